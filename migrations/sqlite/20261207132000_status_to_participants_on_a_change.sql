-- A ticket's status is copied beside its participants only when it changed: every update
-- that names the status (a customer's answer saves the ticket's state whether it moved or
-- not) rewrote each participant's row, and their indexes, with the status they had.
DROP TRIGGER tickets_status_to_participants;
CREATE TRIGGER tickets_status_to_participants AFTER UPDATE OF status ON tickets
WHEN OLD.status IS NOT NEW.status
BEGIN
    UPDATE participants SET status = NEW.status WHERE ticket_id = NEW.id;
END;
