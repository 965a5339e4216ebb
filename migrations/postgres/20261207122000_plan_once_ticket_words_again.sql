-- ticket_words_again(), which every participant's insert calls through its trigger, does
-- the same in PL/pgSQL, whose statements are planned once per session: as an SQL function
-- called from a trigger it was parsed and planned again at every call (some 75 µs of each
-- participant's insert, most of receiving a new ticket's participants; a new ticket's words
-- are not there yet, so the statements themselves find nothing to do).
CREATE OR REPLACE FUNCTION ticket_words_again(bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tickets SET subject_words = NULL WHERE id = $1 AND subject_words IS NOT NULL;
    UPDATE messages SET body_words = NULL WHERE ticket_id = $1 AND body_words IS NOT NULL;
END;
$$;
