-- How long each indexed subject and message is, in words, and each table's totals: the
-- ranked search scores a hit as SQLite's FTS5 does (BM25 without rarity,
-- domain::relevance), from how often it holds each phrase against its text's length next
-- to the average. The lengths are written with the words, behind the commit
-- (db::search::catch_up), and counted in the totals there.

-- The words of a text's stored words, repeats included: each lexeme's positions (the
-- readers' lexemes have none, so they do not count).
CREATE FUNCTION search_length(tsvector) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN (SELECT coalesce(sum(cardinality(u.positions)), 0)::integer FROM unnest($1) AS u);

ALTER TABLE tickets ADD COLUMN subject_length integer;
ALTER TABLE messages ADD COLUMN body_length integer;

-- The texts indexed and their words, for each table, as FTS5 counts its index's: a text
-- indexed again (its subject or its readers changed) counts again, since SQLite's
-- contentless indexes do not take a replaced text out of their totals. The average is
-- words / texts. No row until a text is indexed.
CREATE TABLE search_totals (
    source text PRIMARY KEY,
    texts bigint NOT NULL,
    words bigint NOT NULL
);

UPDATE tickets SET subject_length = search_length(subject_words) WHERE subject_words IS NOT NULL;
UPDATE messages SET body_length = search_length(body_words) WHERE body_words IS NOT NULL;
INSERT INTO search_totals (texts, words, source)
SELECT count(*), sum(subject_length), 'tickets' FROM tickets WHERE subject_length IS NOT NULL
HAVING count(*) > 0;
INSERT INTO search_totals (texts, words, source)
SELECT count(*), sum(body_length), 'messages' FROM messages WHERE body_length IS NOT NULL
HAVING count(*) > 0;

-- A changed text's length is written again with its words (until then it is read off
-- them, as for a text some node indexed without it).
CREATE OR REPLACE FUNCTION tickets_words_again() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.subject_words := NULL;
    NEW.subject_length := NULL;
    RETURN NEW;
END $$;
CREATE OR REPLACE FUNCTION messages_words_again() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.body_words := NULL;
    NEW.body_length := NULL;
    RETURN NEW;
END $$;
