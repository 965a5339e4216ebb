-- Canned replies: texts admins keep for answers agents give often, with the
-- {{customer_name}}, {{ticket_key}} and {{agent_name}} of the ticket filled in when used.
CREATE TABLE canned_replies (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
