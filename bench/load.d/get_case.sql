-- The statements GET /api/v1/cases/{id} issues (src/http/cases/get.rs; the office is cached). Variables: office_code,
-- ids (-D); bench_ids maps 1..ids to the ids of the office's cases (one extra index probe).
\set k random(1, :ids)
SELECT c.*, o.code FROM cases c INNER JOIN offices o ON o.id = c.office_id WHERE c.id = (SELECT id FROM bench_ids WHERE n = :k) LIMIT 1;
INSERT INTO access_log (actor_sub, actor_name, actor_role, actor_office, subject_kind, case_id, exemption_id, cpr_index, endpoint, request_id) VALUES ('bench-clerk', 'Bench Clerk', 'clerk', :office_code, 'case', (SELECT id FROM bench_ids WHERE n = :k), DEFAULT, md5(random()::text) || md5(random()::text), 'GET /api/v1/cases/{id}', gen_random_uuid()::text);
