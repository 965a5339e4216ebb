-- The words the full-text indexes hold, so that a typed word is looked for as the whole
-- words it begins: FTS5 answers a prefix (`"imprim"*`) by reading every hit of every word
-- it begins before returning the first, a whole word by reading its hits newest first as
-- they are needed. At a million tickets a common prefix cost tens of milliseconds.
--
-- And the customers' names and addresses in an index of their own, for the queue's text
-- filter: it matched the requester by folding the name and address of every open
-- ticket's requester, which cost more than the rest of the search.
DROP TRIGGER tickets_search_subject;
CREATE TABLE search_watermark_next (
    source TEXT PRIMARY KEY CHECK (source IN ('tickets', 'messages', 'customers')),
    upto   INTEGER NOT NULL
) STRICT;
INSERT INTO search_watermark_next (source, upto) SELECT source, upto FROM search_watermark;
DROP TABLE search_watermark;
ALTER TABLE search_watermark_next RENAME TO search_watermark;
INSERT INTO search_watermark (source, upto)
VALUES ('customers', (SELECT coalesce(max(id), 0) FROM customers));

CREATE VIRTUAL TABLE customer_search USING fts5(
    name, email, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO customer_search (rowid, name, email) SELECT id, fold(name), fold(email) FROM customers;

CREATE TABLE search_words (word TEXT PRIMARY KEY) WITHOUT ROWID, STRICT;
CREATE VIRTUAL TABLE temp.subject_terms USING fts5vocab(main, subject_search, row);
CREATE VIRTUAL TABLE temp.message_terms USING fts5vocab(main, message_search, row);
CREATE VIRTUAL TABLE temp.customer_terms USING fts5vocab(main, customer_search, row);
INSERT OR IGNORE INTO search_words (word) SELECT term FROM temp.subject_terms;
INSERT OR IGNORE INTO search_words (word) SELECT term FROM temp.message_terms;
INSERT OR IGNORE INTO search_words (word) SELECT term FROM temp.customer_terms;
DROP TABLE temp.subject_terms;
DROP TABLE temp.message_terms;
DROP TABLE temp.customer_terms;

-- Texts written into an index outside the indexer (a subject, a name or an address that
-- changed after it was indexed) wait here until the indexer adds their words.
CREATE TABLE search_words_pending (text TEXT NOT NULL) STRICT;
CREATE TRIGGER tickets_search_subject AFTER UPDATE OF subject ON tickets
WHEN NEW.id <= (SELECT upto FROM search_watermark WHERE source = 'tickets') BEGIN
    INSERT OR REPLACE INTO subject_search (rowid, subject) VALUES (NEW.id, fold(NEW.subject));
    INSERT INTO search_words_pending (text) VALUES (fold(NEW.subject));
END;
CREATE TRIGGER customers_search AFTER UPDATE OF name, email ON customers
WHEN NEW.id <= (SELECT upto FROM search_watermark WHERE source = 'customers') BEGIN
    INSERT OR REPLACE INTO customer_search (rowid, name, email)
    VALUES (NEW.id, fold(NEW.name), fold(NEW.email));
    INSERT INTO search_words_pending (text) VALUES (fold(NEW.name) || ' ' || fold(NEW.email));
END;
CREATE TRIGGER customers_search_delete AFTER DELETE ON customers BEGIN
    DELETE FROM customer_search WHERE rowid = OLD.id;
END;
