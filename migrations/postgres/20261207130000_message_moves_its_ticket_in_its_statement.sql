-- A new message moves its ticket in the statement that stores it (db::messages::insert):
-- the version up once, the last update forward to the message's time. A new ticket is
-- written whole in one statement (db::tickets::open) with the version and last update its
-- first message leaves, so that its row is written once: through this trigger it was
-- written a second time, some 100 µs of the 200 µs that statement took.
DROP TRIGGER tickets_version_on_message ON messages;
DROP FUNCTION tickets_version_on_message();
