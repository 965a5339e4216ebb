-- A new message moves its ticket in the statement that stores it (db::messages::insert),
-- as on PostgreSQL, where a new ticket is written whole in one statement that leaves its
-- version and last update as its first message would: a trigger there would update the
-- ticket's row a second time in that statement.
DROP TRIGGER tickets_version_on_message;
