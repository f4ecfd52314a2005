-- A bare SELECT of the case (no access record): the ceiling of a read without an audit trail.
\set k random(1, :ids)
SELECT * FROM cases WHERE id = (SELECT id FROM bench_ids WHERE n = :k);
