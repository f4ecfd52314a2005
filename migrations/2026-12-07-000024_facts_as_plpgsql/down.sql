-- Back to migrations 22-23's SQL-language bodies.
CREATE OR REPLACE FUNCTION case_number(code text, o uuid, y integer) RETURNS text LANGUAGE sql VOLATILE AS $$
    SELECT code || '-' || y || '-' || CASE WHEN n < 1000000 THEN lpad(n::text, 6, '0') ELSE n::text END
    FROM (SELECT next_case_number(o, y) AS n) s
$$;
CREATE OR REPLACE FUNCTION case_has_event(c uuid, actions text[]) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM case_events WHERE case_id = c AND action = ANY (actions))
$$;
CREATE OR REPLACE FUNCTION exemption_granted(idx text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM exemptions WHERE citizen_cpr_index = idx AND status = 'granted')
$$;
CREATE OR REPLACE FUNCTION live_nemid_of(idx text) RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT id FROM nemids WHERE holder_cpr_index = idx AND state <> 'revoked' LIMIT 1
$$;
