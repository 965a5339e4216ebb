-- Values the daemon makes for itself and keeps, such as the HMAC key of signed links when
-- the configuration leaves helpdesk.secret empty.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
