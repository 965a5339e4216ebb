-- SLA warnings and breaches: at most one of each kind per ticket and goal (the sweeper's
-- memory, so each is announced once), and part of the ticket's history.
CREATE TABLE sla_events (
    id        INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    goal      TEXT NOT NULL CHECK (goal IN ('assignment', 'resolution')),
    kind      TEXT NOT NULL CHECK (kind IN ('warning', 'breach')),
    at        TEXT NOT NULL,
    notified  TEXT,                     -- the address alerted, if any
    UNIQUE (ticket_id, goal, kind)
) STRICT;
