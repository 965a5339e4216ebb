-- The queue's index also carries the assignee and the status, so that counting and paging
-- the queue (mine, unassigned, one status, overdue) never leave the index.
DROP INDEX tickets_queue;
CREATE INDEX tickets_queue ON tickets((assignee_id IS NOT NULL), (sla_due_at IS NULL), sla_due_at, id, assignee_id, status)
    WHERE status IN ('waiting_for_support', 'in_progress', 'waiting_for_customer', 'waiting_for_third_party');
