-- A new message moves its ticket in one update: the version goes up once and the last
-- update comes forward to the message's time (it never goes back). The code moved the last
-- update with an UPDATE of its own after every message, which raised the version a second
-- time through tickets_version_on_change: two more updates of the ticket's row, and a
-- round trip, for each message.
CREATE OR REPLACE FUNCTION tickets_version_on_message() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tickets SET version = version + 1, updated_at = greatest(updated_at, NEW.created_at)
    WHERE id = NEW.ticket_id;
    RETURN NULL;
END;
$$;
