-- The full-text index is kept behind the commit, in batches, instead of by a trigger in
-- every receiving transaction (it cost a fifth of receive()): a watermark says up to
-- which message and ticket the index is written, the daemon's indexer catches up every
-- few seconds, and every search catches up first, so it never misses what was committed.
DROP TRIGGER tickets_search;
DROP TRIGGER messages_search;
CREATE TABLE search_watermark (
    source TEXT PRIMARY KEY CHECK (source IN ('tickets', 'messages')),
    upto   INTEGER NOT NULL
) STRICT;
INSERT INTO search_watermark (source, upto) VALUES
    ('tickets', (SELECT coalesce(max(id), 0) FROM tickets)),
    ('messages', (SELECT coalesce(max(id), 0) FROM messages));
-- A subject changed after it was indexed is indexed again (OR REPLACE: it may not be yet).
DROP TRIGGER tickets_search_subject;
CREATE TRIGGER tickets_search_subject AFTER UPDATE OF subject ON tickets
WHEN NEW.id <= (SELECT upto FROM search_watermark WHERE source = 'tickets') BEGIN
    INSERT OR REPLACE INTO subject_search (rowid, subject) VALUES (NEW.id, fold(NEW.subject));
END;
