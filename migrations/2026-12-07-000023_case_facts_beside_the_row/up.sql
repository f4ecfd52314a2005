-- Facts a case's single read and its opening need besides the case row, as SQL functions, so
-- that the statement reading or writing the row asks them too (issue 23, bench/README.md: a
-- round trip each). The store's own queries for the same facts use the same functions, so each
-- rule has one definition.

-- Whether the person (blind CPR index idx) holds a granted exemption from Digital Post now.
CREATE FUNCTION exemption_granted(idx text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM exemptions WHERE citizen_cpr_index = idx AND status = 'granted')
$$;

-- The person's NemID that is not revoked (at most one: nemids_one_per_person), or null.
CREATE FUNCTION live_nemid_of(idx text) RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT id FROM nemids WHERE holder_cpr_index = idx AND state <> 'revoked' LIMIT 1
$$;
