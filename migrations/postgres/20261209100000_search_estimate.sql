-- How many rows of `source` the planner expects to hold the words of `query` in the
-- column `words` (its estimate, as EXPLAIN gives it): the ranked search asks it of each
-- table for every typed word in one statement, where an EXPLAIN of its own cost a round
-- trip each.
-- (VOLATILE, as PL/pgSQL allows EXPLAIN in no other.)
CREATE FUNCTION search_estimate(source regclass, words text, query text) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
    plan json;
BEGIN
    EXECUTE format('EXPLAIN (FORMAT JSON) SELECT 1 FROM %s x WHERE x.%I @@ to_tsquery(''simple'', %L)',
                   source, words, query)
        INTO plan;
    RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8;
END
$$;
