-- Signed-in browsers of the portal (and later the console): the cookie holds a random
-- token, this table its SHA-256. Exactly one of customer_id / agent_id is set.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    customer_id  INTEGER REFERENCES customers(id) ON DELETE CASCADE,
    agent_id     INTEGER REFERENCES agents(id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    CHECK ((customer_id IS NULL) <> (agent_id IS NULL))
) STRICT;
CREATE INDEX sessions_by_customer ON sessions(customer_id);

-- Dates in the portal are shown in the customer's time zone (an IANA name).
ALTER TABLE customers ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/Bucharest';

-- "My requests" walks a customer's tickets newest first straight off this index.
CREATE INDEX participants_by_address_ticket ON participants(address, ticket_id);
DROP INDEX participants_by_address;
