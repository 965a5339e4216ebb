-- The outbox keeps what to send (template, language, variables, headers) as a JSON
-- "letter"; the sender renders and composes it. Rows queued before keep their composed
-- bytes in raw. One of the two is always present.
CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY,
    ticket_id       INTEGER REFERENCES tickets(id),
    template        TEXT NOT NULL,
    recipient       TEXT NOT NULL COLLATE NOCASE,
    recipient_role  TEXT,
    automatic       INTEGER NOT NULL,
    message_id      TEXT NOT NULL UNIQUE,
    envelope_from   TEXT NOT NULL,
    raw             BLOB,
    letter          TEXT,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    CHECK (raw IS NOT NULL OR letter IS NOT NULL)
) STRICT;
INSERT INTO outbox_new (id, ticket_id, template, recipient, recipient_role, automatic, message_id,
        envelope_from, raw, state, attempts, next_attempt_at, last_error, created_at, sent_at)
    SELECT id, ticket_id, template, recipient, recipient_role, automatic, message_id,
        envelope_from, raw, state, attempts, next_attempt_at, last_error, created_at, sent_at
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
CREATE INDEX outbox_by_recipient ON outbox(recipient, created_at);
