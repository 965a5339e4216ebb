-- The core schema of the helpdesk. Times are RFC 3339 UTC text; booleans are 0/1.

-- People who write to support. Username for the portal is the address.
CREATE TABLE customers (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name          TEXT NOT NULL DEFAULT '',
    locale        TEXT NOT NULL DEFAULT 'ro',
    password_hash TEXT,
    created_at    TEXT NOT NULL
) STRICT;

-- Support staff; they use the console and the API.
CREATE TABLE agents (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL DEFAULT 'agent' CHECK (role IN ('agent', 'admin')),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
) STRICT;

-- API bearer tokens of agents, stored as SHA-256 hex digests.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    agent_id     INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT
) STRICT;

-- Tickets; the public key is <prefix>-<id>.
CREATE TABLE tickets (
    id             INTEGER PRIMARY KEY,
    subject        TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('waiting_for_support', 'in_progress',
                       'waiting_for_customer', 'waiting_for_third_party', 'resolved', 'closed')),
    priority       TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    channel        TEXT NOT NULL CHECK (channel IN ('email', 'phone', 'portal')),
    requester_id   INTEGER NOT NULL REFERENCES customers(id),
    assignee_id    INTEGER REFERENCES agents(id),
    linked_from_id INTEGER REFERENCES tickets(id),
    status_mail    INTEGER NOT NULL DEFAULT 1,  -- 0: the customer opted out of status mail
    resolution     TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    assigned_at    TEXT,
    resolved_at    TEXT,
    closed_at      TEXT
) STRICT;
CREATE INDEX tickets_by_requester ON tickets(requester_id, id);
CREATE INDEX tickets_by_status ON tickets(status, id);

-- Who takes part in a ticket: the requester, CC'd people, partners asked about it.
CREATE TABLE participants (
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id),
    address    TEXT NOT NULL COLLATE NOCASE,
    role       TEXT NOT NULL CHECK (role IN ('requester', 'cc', 'partner')),
    PRIMARY KEY (ticket_id, address)
) STRICT;
CREATE INDEX participants_by_address ON participants(address);

-- Every inbound message as received, byte for byte, with what became of it.
CREATE TABLE raw_emails (
    id          INTEGER PRIMARY KEY,
    dedup_key   TEXT NOT NULL UNIQUE,   -- "mid:<Message-ID>" or "sha256:<hash of the bytes>"
    raw         BLOB NOT NULL,
    received_at TEXT NOT NULL,
    outcome     TEXT NOT NULL,          -- created, threaded, ignored:<kind>, quarantined
    ticket_id   INTEGER REFERENCES tickets(id)
) STRICT;

-- Messages that could not be processed, with the reason; replayable.
CREATE TABLE quarantine (
    id           INTEGER PRIMARY KEY,
    raw_email_id INTEGER NOT NULL UNIQUE REFERENCES raw_emails(id),
    reason       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    released_at  TEXT                   -- set when a replay processed it
) STRICT;

-- The conversation of a ticket: mail in, agent replies, internal notes, questions.
CREATE TABLE messages (
    id             INTEGER PRIMARY KEY,
    ticket_id      INTEGER NOT NULL REFERENCES tickets(id),
    kind           TEXT NOT NULL CHECK (kind IN ('customer', 'partner', 'agent', 'note', 'system')),
    author         TEXT NOT NULL,       -- an address, or the agent's address
    internal       INTEGER NOT NULL DEFAULT 0,
    subject        TEXT NOT NULL DEFAULT '',
    body           TEXT NOT NULL,       -- the new text
    quoted         TEXT NOT NULL DEFAULT '',
    signature      TEXT NOT NULL DEFAULT '',
    full_text      TEXT NOT NULL DEFAULT '',
    html           TEXT,
    message_id     TEXT,                -- the RFC 5322 Message-ID of inbound mail
    raw_email_id   INTEGER REFERENCES raw_emails(id),
    created_at     TEXT NOT NULL
) STRICT;
CREATE INDEX messages_by_ticket ON messages(ticket_id, id);

-- File contents, addressed by their SHA-256; attachments point here.
CREATE TABLE blobs (
    sha256  TEXT PRIMARY KEY,
    size    INTEGER NOT NULL,
    content BLOB NOT NULL
) STRICT;

-- Attachments of messages (inline images carry their Content-ID).
CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    message_id   INTEGER NOT NULL REFERENCES messages(id),
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL REFERENCES blobs(sha256),
    content_id   TEXT,
    inline       INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX attachments_by_message ON attachments(message_id);

-- Every status a ticket entered, and who or what moved it.
CREATE TABLE status_history (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    from_status TEXT,
    to_status   TEXT NOT NULL,
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL
) STRICT;
CREATE INDEX status_history_by_ticket ON status_history(ticket_id, id);

-- Every outbound mail, composed in the transaction that caused it; the sender worker
-- delivers pending rows and marks them.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    ticket_id       INTEGER REFERENCES tickets(id),
    template        TEXT NOT NULL,
    recipient       TEXT NOT NULL COLLATE NOCASE,
    recipient_role  TEXT,               -- requester, cc, partner (for threading replies)
    automatic       INTEGER NOT NULL,
    message_id      TEXT NOT NULL UNIQUE,
    envelope_from   TEXT NOT NULL,
    raw             BLOB NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
) STRICT;
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
CREATE INDEX outbox_by_recipient ON outbox(recipient, created_at);

-- One-time portal links (invitation, password reset), stored as SHA-256 digests.
CREATE TABLE portal_tokens (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
    token_hash  TEXT NOT NULL UNIQUE,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    created_at  TEXT NOT NULL
) STRICT;

-- Where the mailbox poller got to: the last UID processed under a UIDVALIDITY.
CREATE TABLE imap_checkpoints (
    mailbox     TEXT PRIMARY KEY,
    uidvalidity INTEGER NOT NULL,
    last_uid    INTEGER NOT NULL
) STRICT;
