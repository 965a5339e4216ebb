-- Collision detection: every ticket has a version, raised by any change an agent or a
-- customer would see (its state, priority, subject, resolution, opt-out, a new message),
-- not by the SLA bookkeeping. The API sends it as the ticket's ETag; an action with a
-- stale If-Match is refused.
ALTER TABLE tickets ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

CREATE TRIGGER tickets_version_on_change
AFTER UPDATE OF status, assignee_id, priority, resolution, merged_into_id, subject, status_mail, updated_at ON tickets
WHEN NEW.version = OLD.version
BEGIN
    UPDATE tickets SET version = OLD.version + 1 WHERE id = NEW.id;
END;

CREATE TRIGGER tickets_version_on_message
AFTER INSERT ON messages
BEGIN
    UPDATE tickets SET version = version + 1 WHERE id = NEW.ticket_id;
END;
