-- Rate limits every node shares (on SQLite the one daemon keeps them in memory): failed
-- sign-ins by key (an account, a client address), each forgotten after a quiet spell; and
-- counted events by key (password mail asked for), each within its window.
CREATE TABLE throttle_failures (
    key       TEXT PRIMARY KEY,
    count     INTEGER NOT NULL,
    last_at   TIMESTAMPTZ NOT NULL,
    forget_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX throttle_failures_forget ON throttle_failures (forget_at);

CREATE TABLE throttle_events (
    key       TEXT NOT NULL,
    at        TIMESTAMPTZ NOT NULL,
    forget_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX throttle_events_by_key ON throttle_events (key, at);
CREATE INDEX throttle_events_forget ON throttle_events (forget_at);
