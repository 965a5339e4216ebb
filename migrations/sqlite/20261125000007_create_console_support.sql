-- When the SLA clock that matters now runs out: time to assignment while unassigned, then
-- time to resolution; NULL while paused or stopped. Kept at every transition, so the
-- agents' queue sorts by it straight off an index.
ALTER TABLE tickets ADD COLUMN sla_due_at TEXT;
-- A duplicate closed into another ticket.
ALTER TABLE tickets ADD COLUMN merged_into_id INTEGER REFERENCES tickets(id);
CREATE INDEX tickets_queue ON tickets((assignee_id IS NOT NULL), (sla_due_at IS NULL), sla_due_at, id)
    WHERE status IN ('waiting_for_support', 'in_progress', 'waiting_for_customer', 'waiting_for_third_party');

-- Third parties agents ask for information; their mail threads only into tickets they
-- were asked about.
CREATE TABLE partners (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    email      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at TEXT NOT NULL
) STRICT;

-- A phone number taken at phone intake, to find the customer on the next call.
ALTER TABLE customers ADD COLUMN phone TEXT NOT NULL DEFAULT '';
