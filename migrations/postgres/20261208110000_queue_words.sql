-- The words of each ticket that is not closed, its subject's and its messages' together,
-- without positions or readers: the console's queue finds the open tickets that may hold
-- what was typed through this small table's index (a row per ticket not closed), and
-- checks only those tickets' texts, instead of reading every open ticket's messages. The
-- rows are written behind the commit with the texts' words (db::search::catch_up adds what
-- it indexed), so a ticket's words only grow: an old subject's stay, which is why the
-- queue still checks each ticket's own texts. Nothing that changes a ticket writes here,
-- so no agent's or mail's transaction waits for a catch-up over these rows: the rows of
-- closed tickets (never reopened) are dropped now and then (db::search::forget_closed),
-- and each node adds every ticket's words again when it starts
-- (db::search::queue_words_again): the first one to start after this migration fills the
-- table, and a node of an older version may have indexed texts without adding them.

-- A text's stored words that a typed word can find (the readers' lexemes aside), without
-- their positions.
CREATE FUNCTION typed_lexemes(tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN (SELECT coalesce(array_to_tsvector(array_agg(l.word)), ''::tsvector)
        FROM unnest(tsvector_to_array($1)) AS l(word) WHERE left(l.word, 1) <> '@');

-- Both vectors' lexemes, or NULL when they are too many for one (a tsvector holds at most
-- 1 MB of them): a ticket whose words are NULL is always checked.
-- (Its handler starts a subtransaction, which no parallel worker may.)
CREATE FUNCTION words_or_too_many(tsvector, tsvector) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE PARALLEL UNSAFE STRICT AS $$
BEGIN
    RETURN $1 || $2;
EXCEPTION WHEN program_limit_exceeded THEN
    RETURN NULL;
END $$;

-- Every lexeme of several vectors (NULL once they are too many).
CREATE AGGREGATE words_union(tsvector) (SFUNC = words_or_too_many, STYPE = tsvector, INITCOND = '');

CREATE TABLE queue_words (
    ticket_id bigint PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE DEFERRABLE,
    -- NULL: too many to keep.
    words tsvector
);
CREATE INDEX queue_words_search ON queue_words USING gin (words);
CREATE INDEX queue_words_too_many ON queue_words (ticket_id) WHERE words IS NULL;
