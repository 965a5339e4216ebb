-- Several mailboxes: a ticket remembers the address it came in through (its mail goes out
-- From that address) and the queue it joined. '' marks tickets from before queues; the
-- daemon puts them in the first mailbox's queue at start.
ALTER TABLE tickets ADD COLUMN mailbox TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN queue TEXT NOT NULL DEFAULT '';

-- The mailbox a stored mail was fetched from ('' for mail stored before), so that the
-- quarantine names it.
ALTER TABLE raw_emails ADD COLUMN mailbox TEXT NOT NULL DEFAULT '';

-- The console filters its queue by queue: the queue's index carries it too.
DROP INDEX tickets_queue;
CREATE INDEX tickets_queue ON tickets((assignee_id IS NOT NULL), (sla_due_at IS NULL), sla_due_at, id, assignee_id, status, queue)
    WHERE status IN ('waiting_for_support', 'in_progress', 'waiting_for_customer', 'waiting_for_third_party');
