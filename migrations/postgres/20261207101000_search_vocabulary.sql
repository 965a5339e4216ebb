-- Every word the search words hold (readers' lexemes aside), as SQLite's `search_words`:
-- a typed word is asked for as the whole words it begins (at most 32, else as a prefix).
-- A prefix reads every hit of every word it begins before it can be narrowed (GIN gathers
-- a prefix's hits in full), where whole words let the index skip through the common
-- words' hits by the rare ones' (a customer's readers' lexeme in the portal). The indexer
-- adds the words of what it indexes (db::search::catch_up).
CREATE TABLE search_vocabulary (
    word TEXT COLLATE "C" PRIMARY KEY -- byte order: a prefix's words are one range
);
INSERT INTO search_vocabulary (word)
SELECT word FROM ts_stat('SELECT subject_words FROM tickets WHERE subject_words IS NOT NULL
                          UNION ALL SELECT body_words FROM messages WHERE body_words IS NOT NULL
                          UNION ALL SELECT words FROM customers WHERE words IS NOT NULL')
WHERE left(word, 1) <> '@';
