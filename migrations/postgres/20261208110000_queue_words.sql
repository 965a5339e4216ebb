-- The words of each ticket that is not closed, its subject's and its messages' together,
-- without positions or readers: the console's queue finds the open tickets that hold a
-- word through this small table's index (a row per ticket not closed), and checks only
-- those tickets' texts, instead of reading every open ticket's messages. The rows are
-- written behind the commit with the texts' words (db::search::catch_up adds what it
-- indexed), so a ticket's words only grow: an old subject's stay until the ticket is
-- closed, which is why the queue still checks each ticket's own texts. Closed tickets are
-- never reopened, so their rows go.

-- A text's stored words that a typed word can find (the readers' lexemes aside), without
-- their positions.
CREATE FUNCTION typed_lexemes(tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN (SELECT coalesce(array_to_tsvector(array_agg(l.word)), ''::tsvector)
        FROM unnest(tsvector_to_array($1)) AS l(word) WHERE left(l.word, 1) <> '@');

-- Every lexeme of several vectors.
CREATE AGGREGATE words_union(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '');

CREATE TABLE queue_words (
    ticket_id bigint PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    words tsvector NOT NULL
);
CREATE INDEX queue_words_search ON queue_words USING gin (words);

INSERT INTO queue_words (ticket_id, words)
SELECT w.ticket_id, words_union(typed_lexemes(w.words))
FROM (SELECT t.id AS ticket_id, t.subject_words AS words FROM tickets t WHERE t.status <> 'closed'
      UNION ALL
      SELECT m.ticket_id, m.body_words FROM messages m JOIN tickets t ON t.id = m.ticket_id
      WHERE t.status <> 'closed') AS w
WHERE w.words IS NOT NULL
GROUP BY w.ticket_id;

CREATE FUNCTION queue_words_closed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM queue_words WHERE ticket_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER queue_words_closed AFTER UPDATE OF status ON tickets FOR EACH ROW
    WHEN (NEW.status = 'closed' AND OLD.status <> 'closed') EXECUTE FUNCTION queue_words_closed();
-- Planned from the first search on, not from the size of an empty table.
ANALYZE queue_words;
