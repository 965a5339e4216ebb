-- The requester's colleagues on CC get status changes, public replies and the resolution,
-- each with an opt-out of their own (0: this participant opted out of status mail).
ALTER TABLE participants ADD COLUMN status_mail INTEGER NOT NULL DEFAULT 1;
