-- Full-text search with PostgreSQL's own text search, over what SQLite's FTS5 indexes hold:
-- subjects, the new text of every message, customers' names and addresses. Text is folded
-- as SQLite's fold() folds it (lower case, no diacritics, by unaccent's rules: ș ş ț ţ ß æ
-- œ …) and split into runs of letters and digits, as FTS5's unicode61 splits it, so the same
-- typed words find the same rows. Typed words are asked for as prefixes ('imprim':*).
-- unaccent is a trusted extension: the database's owner creates it.
CREATE EXTENSION IF NOT EXISTS unaccent;

-- The words of a text, folded. A function with an SQL-standard body is bound when it is
-- made, so index expressions do not depend on the search_path of whoever reads them.
CREATE FUNCTION search_vector(text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN to_tsvector('simple',
    regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, $1)), '[^[:alnum:]]+', ' ', 'g'));

CREATE INDEX tickets_search ON tickets USING gin (search_vector(subject));
CREATE INDEX messages_search ON messages USING gin (search_vector(body));
CREATE INDEX customers_search ON customers USING gin (search_vector(name || ' ' || email));
