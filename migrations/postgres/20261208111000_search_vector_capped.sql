-- A text's words as PostgreSQL can hold them: a tsvector takes at most 1 MB of words, and
-- a longer text made every catch-up fail on it (a pasted log or base64 in a mail's body),
-- and so every search, which catches up first. The folded text is cut at 250,000
-- characters (at most 1,000,000 bytes) before it is split, so only a text longer than
-- that loses words (its end), where FTS5 indexes it all. A text already indexed keeps its
-- words.
CREATE OR REPLACE FUNCTION search_vector(text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN to_tsvector('simple',
    left(regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, $1)), '[^[:alnum:]]+', ' ', 'g'), 250000));
