-- Who has a ticket open in the console, seen by every node (one daemon on SQLite keeps it in
-- memory): a row per ticket and agent, beaten every few seconds by the ticket's page and
-- forgotten once it goes quiet. Unlogged: a row lasts seconds, and a crash that empties the
-- table loses nothing the next beats do not bring back.
CREATE UNLOGGED TABLE presence (
    ticket_id BIGINT NOT NULL,
    agent_id  BIGINT NOT NULL,
    name      TEXT NOT NULL,
    typing    BOOLEAN NOT NULL,
    since     TIMESTAMPTZ NOT NULL,
    seen_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (ticket_id, agent_id)
);
