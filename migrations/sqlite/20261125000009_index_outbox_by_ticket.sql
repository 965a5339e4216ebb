-- A mail's References are the Message-IDs the recipient saw on that ticket: looked up by
-- ticket and recipient. By recipient alone, an address that gets many mails (an agent
-- alerted on every SLA warning) made each new mail scan all the ones before it.
CREATE INDEX outbox_by_ticket ON outbox(ticket_id, recipient);
