-- The raw bytes of inbound mail move to a table of their own: they never change, while
-- the outcome beside them is updated once per message, and SQLite rewrites a whole row
-- (with every overflow page of a large message) on each update.
CREATE TABLE raw_email_bytes (
    raw_email_id INTEGER PRIMARY KEY REFERENCES raw_emails(id),
    raw          BLOB NOT NULL
) STRICT;
INSERT INTO raw_email_bytes (raw_email_id, raw) SELECT id, raw FROM raw_emails;
ALTER TABLE raw_emails DROP COLUMN raw;
