-- Satisfaction: the customer's answer to "Sunteți mulțumit de rezolvare?" from the signed
-- links of the resolution mail; one per ticket (a later answer replaces it), with the
-- agent the ticket was assigned to then, for the report per agent and week.
CREATE TABLE satisfaction (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
    rating    TEXT NOT NULL CHECK (rating IN ('good', 'bad')),
    comment   TEXT NOT NULL DEFAULT '',
    agent_id  INTEGER REFERENCES agents(id),
    rated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX satisfaction_by_time ON satisfaction(rated_at);
