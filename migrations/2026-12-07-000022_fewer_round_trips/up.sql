-- Two round trips fewer on the hottest paths (issue 23, bench/README.md): SQL functions that
-- let one statement do what took two.

-- The case number `OFFICE-YEAR-NNNNNN` of the next case of office o (code `code`) in year y,
-- drawn inside the INSERT of the case instead of by a statement of its own. Six digits at least;
-- more once an office passes 999,999 cases in a year (as the server formatted them before).
CREATE FUNCTION case_number(code text, o uuid, y integer) RETURNS text LANGUAGE sql VOLATILE AS $$
    SELECT code || '-' || y || '-' || CASE WHEN n < 1000000 THEN lpad(n::text, 6, '0') ELSE n::text END
    FROM (SELECT next_case_number(o, y) AS n) s
$$;

-- Whether case c has an event of one of `actions`: asked beside the case's own row when it is
-- read (whether it was handed out at the desk, so has a receipt).
CREATE FUNCTION case_has_event(c uuid, actions text[]) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM case_events WHERE case_id = c AND action = ANY (actions))
$$;
