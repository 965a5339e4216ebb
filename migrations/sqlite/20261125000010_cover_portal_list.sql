-- Solicitări counts and pages a customer's requests off an index alone: the role rides
-- along, and so does the ticket's status, kept beside each participant by triggers.
CREATE INDEX participants_by_address_ticket_role ON participants(address, ticket_id, role);
DROP INDEX participants_by_address_ticket;

ALTER TABLE participants ADD COLUMN status TEXT;
UPDATE participants SET status = (SELECT t.status FROM tickets t WHERE t.id = participants.ticket_id);
CREATE TRIGGER participants_take_status AFTER INSERT ON participants BEGIN
    UPDATE participants SET status = (SELECT t.status FROM tickets t WHERE t.id = NEW.ticket_id) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER tickets_status_to_participants AFTER UPDATE OF status ON tickets BEGIN
    UPDATE participants SET status = NEW.status WHERE ticket_id = NEW.id;
END;
CREATE INDEX participants_by_address_status ON participants(address, status, ticket_id, role);
