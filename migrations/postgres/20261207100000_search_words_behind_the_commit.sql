-- The words of subjects, messages and customers, stored beside each row and written behind
-- the commit (as SQLite's FTS5 indexes are), instead of expression indexes over
-- search_vector():
-- - receiving mail no longer computes and indexes every text's words in its transaction;
-- - a search checks a candidate row against its stored words instead of folding its text
--   again (a common word's hits did that hundreds of thousands of times);
-- - a subject's and a public message's words hold their readers (the ticket's requester
--   and CCs) as lexemes no typed word can begin ('@' and a hash of the address), so the
--   portal finds a customer's own hits in the index itself, as SQLite's `readers` column.
-- NULL words: not indexed yet. The daemon's indexer, and every search before it reads,
-- fills them (db::search::catch_up); a changed text or changed readers empties them again.

-- The lexeme that stands for a reader's address (case-insensitive, as addresses compare).
CREATE FUNCTION reader_lexeme(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN '@' || md5(lower($1));

-- The query term that finds what `address` may read.
CREATE FUNCTION reader_query(text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN ('''' || public.reader_lexeme($1) || '''')::tsquery;

-- The readers of ticket $1 as lexemes.
CREATE FUNCTION readers_vector(bigint) RETURNS tsvector
LANGUAGE sql STABLE PARALLEL SAFE
RETURN (SELECT coalesce(array_to_tsvector(array_agg(DISTINCT public.reader_lexeme(p.address::text))), ''::tsvector)
        FROM public.participants p
        WHERE p.ticket_id = $1 AND p.role IN ('requester', 'cc'));

ALTER TABLE tickets ADD COLUMN subject_words tsvector;
ALTER TABLE messages ADD COLUMN body_words tsvector;
ALTER TABLE customers ADD COLUMN words tsvector;

DROP INDEX tickets_search;
DROP INDEX messages_search;
DROP INDEX customers_search;

-- What is there already, indexed now (the same expressions as db::search::POSTGRES_WORDS).
UPDATE tickets SET subject_words = search_vector(subject) || readers_vector(id);
UPDATE messages SET body_words = search_vector(body)
    || CASE WHEN NOT internal AND kind IN ('customer', 'agent') THEN readers_vector(ticket_id) ELSE ''::tsvector END;
UPDATE customers SET words = search_vector(name || ' ' || email);

CREATE INDEX tickets_words ON tickets USING gin (subject_words);
CREATE INDEX messages_words ON messages USING gin (body_words);
CREATE INDEX customers_words ON customers USING gin (words);
-- What is left to index, found without reading the tables.
CREATE INDEX tickets_words_pending ON tickets (id) WHERE subject_words IS NULL;
CREATE INDEX messages_words_pending ON messages (id) WHERE body_words IS NULL;
CREATE INDEX customers_words_pending ON customers (id) WHERE words IS NULL;

-- A changed text is indexed again.
CREATE FUNCTION tickets_words_again() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.subject_words := NULL;
    RETURN NEW;
END $$;
CREATE TRIGGER tickets_words_again BEFORE UPDATE OF subject ON tickets
    FOR EACH ROW WHEN (NEW.subject IS DISTINCT FROM OLD.subject) EXECUTE FUNCTION tickets_words_again();

CREATE FUNCTION messages_words_again() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.body_words := NULL;
    RETURN NEW;
END $$;
CREATE TRIGGER messages_words_again BEFORE UPDATE OF body, internal, kind, ticket_id ON messages
    FOR EACH ROW WHEN (NEW.body IS DISTINCT FROM OLD.body OR NEW.internal IS DISTINCT FROM OLD.internal
                       OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.ticket_id IS DISTINCT FROM OLD.ticket_id)
    EXECUTE FUNCTION messages_words_again();

CREATE FUNCTION customers_words_again() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.words := NULL;
    RETURN NEW;
END $$;
CREATE TRIGGER customers_words_again BEFORE UPDATE OF name, email ON customers
    FOR EACH ROW WHEN (NEW.name IS DISTINCT FROM OLD.name OR NEW.email IS DISTINCT FROM OLD.email)
    EXECUTE FUNCTION customers_words_again();

-- Changed readers: the ticket's subject and messages are indexed again with them.
CREATE FUNCTION ticket_words_again(bigint) RETURNS void LANGUAGE sql AS $$
    UPDATE tickets SET subject_words = NULL WHERE id = $1 AND subject_words IS NOT NULL;
    UPDATE messages SET body_words = NULL WHERE ticket_id = $1 AND body_words IS NOT NULL;
$$;
CREATE FUNCTION participants_words_again() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.role IN ('requester', 'cc') THEN
        PERFORM ticket_words_again(OLD.ticket_id);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.role IN ('requester', 'cc')
       AND (TG_OP = 'INSERT' OR OLD.ticket_id IS DISTINCT FROM NEW.ticket_id OR OLD.role IS DISTINCT FROM NEW.role) THEN
        PERFORM ticket_words_again(NEW.ticket_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER participants_words_again AFTER INSERT OR DELETE ON participants
    FOR EACH ROW EXECUTE FUNCTION participants_words_again();
CREATE TRIGGER participants_words_again_on_update AFTER UPDATE OF ticket_id, address, role ON participants
    FOR EACH ROW WHEN (OLD.ticket_id IS DISTINCT FROM NEW.ticket_id OR OLD.address::text IS DISTINCT FROM NEW.address::text
                       OR OLD.role IS DISTINCT FROM NEW.role)
    EXECUTE FUNCTION participants_words_again();
