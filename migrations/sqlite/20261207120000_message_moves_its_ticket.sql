-- A new message moves its ticket in one update: the version goes up once and the last
-- update comes forward to the message's time (it never goes back; times are fixed-width
-- RFC 3339 text, so the larger text is the later time). The code moved the last update
-- with an UPDATE of its own after every message, which raised the version a second time
-- through tickets_version_on_change.
DROP TRIGGER tickets_version_on_message;
CREATE TRIGGER tickets_version_on_message
AFTER INSERT ON messages
BEGIN
    UPDATE tickets SET version = version + 1, updated_at = max(updated_at, NEW.created_at)
    WHERE id = NEW.ticket_id;
END;
