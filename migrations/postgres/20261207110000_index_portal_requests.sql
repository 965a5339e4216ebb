-- The portal's list of a customer's requests (as requester or CC), counted and paged off
-- an index alone: keyed by the folded address as plain text (lower() in the database's
-- collation, as citext folds), compared byte by byte, instead of a citext key that folds
-- both sides of every comparison. The address itself rides along (INCLUDE) because the
-- planner reads a table's column only from an index that holds it, even when the query
-- names it only inside the indexed expression: without it, no index-only scan.
CREATE INDEX participants_mine ON participants ((lower(address::text) COLLATE "C"), ticket_id)
    INCLUDE (address) WHERE role IN ('requester', 'cc');

-- An index-only scan reads the table's row for every page not marked all-visible, which
-- changed rows leave unmarked until a vacuum: the triggers rewrite each participant's
-- status as its ticket moves, and the first SLA sweep over a big database closes a fifth
-- of the tickets at once, under autovacuum's default threshold (20 % of the rows). Vacuumed
-- after 2 % of the rows changed, or were added, the counts stay in the index.
ALTER TABLE participants SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02);
