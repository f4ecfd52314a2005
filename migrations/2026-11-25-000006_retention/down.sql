DROP FUNCTION anonymise_closed(timestamptz, timestamptz, boolean, integer);
DROP FUNCTION scrub_evidence(jsonb);
ALTER TABLE exemptions DROP COLUMN anonymised_at;
ALTER TABLE cases DROP COLUMN anonymised_at;
