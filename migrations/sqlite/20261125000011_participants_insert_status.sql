-- A participant is inserted with its ticket's status already: the trigger that filled it
-- in afterwards (rewriting the row and its status index entry) now runs only for a row
-- inserted without one.
DROP TRIGGER participants_take_status;
CREATE TRIGGER participants_take_status AFTER INSERT ON participants WHEN NEW.status IS NULL BEGIN
    UPDATE participants SET status = (SELECT t.status FROM tickets t WHERE t.id = NEW.ticket_id) WHERE rowid = NEW.rowid;
END;
