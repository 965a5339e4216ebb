-- Agents hear about their tickets: a mail when a customer or partner answers a ticket
-- assigned to them, when one is assigned to them, and when a note mentions them (@ana);
-- each can be turned off. No row: all on.
CREATE TABLE agent_alert_prefs (
    agent_id INTEGER PRIMARY KEY REFERENCES agents(id),
    answer   INTEGER NOT NULL DEFAULT 1,
    assign   INTEGER NOT NULL DEFAULT 1,
    mention  INTEGER NOT NULL DEFAULT 1
) STRICT;

-- The queue's marker: a customer or partner answered since the assignee last opened it.
ALTER TABLE tickets ADD COLUMN news INTEGER NOT NULL DEFAULT 0;
