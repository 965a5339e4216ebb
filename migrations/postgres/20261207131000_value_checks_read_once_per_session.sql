-- The checks on the tables every mail writes, each a PL/pgSQL function of the value. A
-- check over a list (`status IN (…)`) is kept as text that PostgreSQL reads back into an
-- expression, with the list's array byte by byte, at every statement that writes the
-- table (some 40 µs of every received mail's server time went to it); a function's call is
-- all a statement reads, and the function itself is compiled once per session. The values
-- allowed are those of the first schema.
CREATE FUNCTION known_ticket_status(text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
    RETURN $1 IN ('waiting_for_support', 'in_progress', 'waiting_for_customer',
                  'waiting_for_third_party', 'resolved', 'closed');
END $$;
CREATE FUNCTION known_priority(text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
    RETURN $1 IN ('low', 'normal', 'high', 'urgent');
END $$;
CREATE FUNCTION known_channel(text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
    RETURN $1 IN ('email', 'phone', 'portal');
END $$;
CREATE FUNCTION known_participant_role(text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
    RETURN $1 IN ('requester', 'cc', 'partner');
END $$;
CREATE FUNCTION known_message_kind(text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
    RETURN $1 IN ('customer', 'partner', 'agent', 'note', 'system');
END $$;
CREATE FUNCTION known_sender_auth(text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
    RETURN $1 IN ('pass', 'none', 'fail');
END $$;
CREATE FUNCTION known_outbox_state(text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
    RETURN $1 IN ('pending', 'sent', 'failed');
END $$;
CREATE FUNCTION known_link_purpose(text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
    RETURN $1 IN ('invite', 'reset');
END $$;

ALTER TABLE tickets
    DROP CONSTRAINT tickets_status_check,
    ADD CONSTRAINT tickets_status_check CHECK (known_ticket_status(status)),
    DROP CONSTRAINT tickets_priority_check,
    ADD CONSTRAINT tickets_priority_check CHECK (known_priority(priority)),
    DROP CONSTRAINT tickets_channel_check,
    ADD CONSTRAINT tickets_channel_check CHECK (known_channel(channel));
ALTER TABLE participants
    DROP CONSTRAINT participants_role_check,
    ADD CONSTRAINT participants_role_check CHECK (known_participant_role(role));
ALTER TABLE messages
    DROP CONSTRAINT messages_kind_check,
    ADD CONSTRAINT messages_kind_check CHECK (known_message_kind(kind)),
    DROP CONSTRAINT messages_sender_auth_check,
    ADD CONSTRAINT messages_sender_auth_check CHECK (known_sender_auth(sender_auth));
ALTER TABLE outbox
    DROP CONSTRAINT outbox_state_check,
    ADD CONSTRAINT outbox_state_check CHECK (known_outbox_state(state));
ALTER TABLE portal_tokens
    DROP CONSTRAINT portal_tokens_purpose_check,
    ADD CONSTRAINT portal_tokens_purpose_check CHECK (known_link_purpose(purpose));
