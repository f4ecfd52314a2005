-- Migrations 22-23's facts as PL/pgSQL: a SQL-language function whose body cannot be inlined
-- (an EXISTS, a FROM) is parsed and planned again on every execution of the statement calling
-- it, prepared or not; PL/pgSQL keeps its plans for the session, and the pool's sessions are
-- long-lived. Same names, arguments and results.

CREATE OR REPLACE FUNCTION case_number(code text, o uuid, y integer) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n integer := next_case_number(o, y);
BEGIN
    RETURN code || '-' || y || '-' || CASE WHEN n < 1000000 THEN lpad(n::text, 6, '0') ELSE n::text END;
END;
$$;

CREATE OR REPLACE FUNCTION case_has_event(c uuid, actions text[]) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM case_events WHERE case_id = c AND action = ANY (actions));
END;
$$;

CREATE OR REPLACE FUNCTION exemption_granted(idx text) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM exemptions WHERE citizen_cpr_index = idx AND status = 'granted');
END;
$$;

-- VOLATILE (was STABLE): its query takes a snapshot of its own, so in the RETURNING of a case's
-- INSERT it sees a NemID committed while the INSERT waited (e.g. on `cases_one_open_per_cpr`
-- for the person's previous case, issued in full meanwhile), as the separate SELECT after the
-- INSERT did before migration 23. `nemids::live_for_person` keeps its own filter for that
-- reason (a volatile function cannot be an index key); the two state the same rule.
CREATE OR REPLACE FUNCTION live_nemid_of(idx text) RETURNS uuid LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN (SELECT id FROM nemids WHERE holder_cpr_index = idx AND state <> 'revoked' LIMIT 1);
END;
$$;
