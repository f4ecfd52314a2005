-- The minimal SQL of an opening: the case and its event, in one transaction (the schema's own
-- triggers fire as for the API). Variables: offices (-D), the number of rows of bench_offices.
\set n random(1, 2000000000)
\set o random(1, :offices)
BEGIN;
INSERT INTO cases (id, case_number, office_id, channel, kind, status, applicant_cpr_sealed, applicant_cpr_index, applicant_name, street, postal_code, city, country, online_banking_agreement, opened_at, version) SELECT gen_random_uuid(), 'PGB-' || :client_id || '-' || :n, id, 'desk', 'standard', 'opened', decode('0462317f0e2a9c4be1d5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b', 'hex'), md5(random()::text) || md5(random()::text), 'Bench Applicant', 'Vestergade 1', '7100', 'Vejle', 'DK', false, now(), 1 FROM bench_offices WHERE n = :o RETURNING id AS case_id \gset
INSERT INTO case_events (case_id, seq, action, to_status, actor_sub, actor_name, actor_role, actor_office, evidence, request_id) VALUES (:case_id, 1, 'open', 'opened', 'bench-clerk', 'Bench Clerk', 'clerk', 'BENCH', '{"kind": "standard", "channel": "desk"}', gen_random_uuid()::text);
COMMIT;
