-- The minimal SQL of a revealing read: SELECT the case, INSERT its access record, COMMIT.
-- Variables: ids (-D); bench_ids maps 1..ids to the run's case ids.
\set k random(1, :ids)
BEGIN;
SELECT * FROM cases WHERE id = (SELECT id FROM bench_ids WHERE n = :k);
INSERT INTO access_log (actor_sub, actor_name, actor_role, actor_office, subject_kind, case_id, cpr_index, endpoint, request_id) VALUES ('bench-clerk', 'Bench Clerk', 'clerk', 'BENCH', 'case', (SELECT id FROM bench_ids WHERE n = :k), md5(random()::text) || md5(random()::text), 'GET /api/v1/cases/{id}', gen_random_uuid()::text);
COMMIT;
