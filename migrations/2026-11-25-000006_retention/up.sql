-- Retention: closed cases and refused or revoked exemptions are anonymised once they are older
-- than the retention period. Ids, states, dates and offices stay, so every report still counts
-- them; CPR numbers, names, addresses, document numbers and free text go. Anonymising is itself
-- an event, written by the system.

ALTER TABLE cases ADD COLUMN anonymised_at timestamptz;
ALTER TABLE exemptions ADD COLUMN anonymised_at timestamptz;

-- The anonymising event: by the system, from a final state to the same state.
ALTER TABLE case_events DROP CONSTRAINT IF EXISTS case_events_action_check;
ALTER TABLE case_events ADD CONSTRAINT case_events_action_check CHECK (action IN ('open', 'identity-check',
    'first-half', 'second-half', 'returned', 'activation', 'accompanying-holder', 'issue-in-full', 'reject',
    'cancel', 'anonymise'));
ALTER TABLE case_events DROP CONSTRAINT IF EXISTS case_events_from_status_check;
ALTER TABLE case_events ADD CONSTRAINT case_events_from_status_check CHECK (from_status IN ('opened',
    'identity_verified', 'first_half_issued', 'second_half_posted', 'returned', 'holder_verified', 'completed',
    'cancelled', 'rejected'));
ALTER TABLE case_events DROP CONSTRAINT IF EXISTS case_events_actor_role_check;
ALTER TABLE case_events ADD CONSTRAINT case_events_actor_role_check
    CHECK (actor_role IN ('clerk', 'bank', 'supervisor', 'admin', 'system'));
ALTER TABLE exemption_events DROP CONSTRAINT IF EXISTS exemption_events_action_check;
ALTER TABLE exemption_events ADD CONSTRAINT exemption_events_action_check
    CHECK (action IN ('register', 'grant', 'refuse', 'revoke', 'anonymise'));
ALTER TABLE exemption_events DROP CONSTRAINT IF EXISTS exemption_events_from_status_check;
ALTER TABLE exemption_events ADD CONSTRAINT exemption_events_from_status_check
    CHECK (from_status IN ('pending', 'granted', 'refused', 'revoked'));
ALTER TABLE exemption_events DROP CONSTRAINT IF EXISTS exemption_events_actor_role_check;
ALTER TABLE exemption_events ADD CONSTRAINT exemption_events_actor_role_check
    CHECK (actor_role IN ('clerk', 'bank', 'supervisor', 'admin', 'system'));

-- Events stay append-only, with one exception: inside a retention run (the transaction sets
-- nemid.retention), the evidence of an event may be scrubbed, and nothing else about it changed.
CREATE OR REPLACE FUNCTION reject_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('nemid.retention', true) = 'on'
       AND TG_TABLE_NAME IN ('case_events', 'exemption_events')
       AND (to_jsonb(OLD) - 'evidence') = (to_jsonb(NEW) - 'evidence')
       AND NEW.evidence = scrub_evidence(OLD.evidence) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'events are append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- The anonymising event counts in no throughput column.
CREATE OR REPLACE FUNCTION case_events_keep_daily_activity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d date := (NEW.occurred_at AT TIME ZONE 'Europe/Copenhagen')::date;
BEGIN
    IF NEW.action = 'anonymise' THEN
        RETURN NULL;
    END IF;
    INSERT INTO daily_activity AS a (day, office_id, opened, identity_verified, first_half_issued,
            second_half_posted, completed_standard, completed_express, returned, cancelled, rejected)
    VALUES (d, (SELECT office_id FROM cases WHERE id = NEW.case_id),
            (NEW.action = 'open')::int, (NEW.action = 'identity-check')::int, (NEW.action = 'first-half')::int,
            (NEW.action = 'second-half')::int, (NEW.action = 'activation')::int, (NEW.action = 'issue-in-full')::int,
            (NEW.action = 'returned')::int, (NEW.action = 'cancel')::int, (NEW.action = 'reject')::int)
    ON CONFLICT (day, office_id) DO UPDATE SET
        opened = a.opened + EXCLUDED.opened,
        identity_verified = a.identity_verified + EXCLUDED.identity_verified,
        first_half_issued = a.first_half_issued + EXCLUDED.first_half_issued,
        second_half_posted = a.second_half_posted + EXCLUDED.second_half_posted,
        completed_standard = a.completed_standard + EXCLUDED.completed_standard,
        completed_express = a.completed_express + EXCLUDED.completed_express,
        returned = a.returned + EXCLUDED.returned,
        cancelled = a.cancelled + EXCLUDED.cancelled,
        rejected = a.rejected + EXCLUDED.rejected;
    RETURN NULL;
END;
$$;

-- Evidence keys that carry no personal data; everything else is dropped.
-- What retention looks for, without scanning every row.
CREATE INDEX cases_retention ON cases (closed_at) WHERE anonymised_at IS NULL AND closed_at IS NOT NULL;
CREATE INDEX exemptions_retention ON exemptions ((coalesce(revoked_at, decided_at)))
    WHERE anonymised_at IS NULL AND status IN ('refused', 'revoked');

CREATE FUNCTION scrub_evidence(e jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_object_agg(key, value), '{}'::jsonb) FROM jsonb_each(e)
    WHERE key IN ('kind', 'channel', 'expected_by', 'posting_window_days', 'address_corrected', 'photo_matches',
                  'health_card_presented', 'health_card_shows_applicant', 'both_halves', 'declaration');
$$;

-- Anonymises up to `max_rows` cases and as many exemptions that closed before `cutoff`, at `at`;
-- with `dry_run` only counts. Returns (cases, exemptions). Safe with several instances: rows are
-- taken with SKIP LOCKED. Callers loop in short transactions (events wait on the feed counter).
CREATE FUNCTION anonymise_closed(cutoff timestamptz, at timestamptz, dry_run boolean, max_rows integer)
RETURNS TABLE (cases_done bigint, exemptions_done bigint) LANGUAGE plpgsql AS $$
DECLARE
    c record;
    x record;
    nc bigint := 0;
    nx bigint := 0;
BEGIN
    IF dry_run THEN
        -- Only counting: no locks.
        RETURN QUERY
            SELECT (SELECT count(*) FROM cases WHERE closed_at < cutoff AND anonymised_at IS NULL),
                   (SELECT count(*) FROM exemptions WHERE status IN ('refused', 'revoked')
                        AND coalesce(revoked_at, decided_at) < cutoff AND anonymised_at IS NULL);
        RETURN;
    END IF;
    PERFORM set_config('nemid.retention', 'on', true);
    FOR c IN SELECT id, status, version FROM cases
             WHERE closed_at < cutoff AND anonymised_at IS NULL
             ORDER BY closed_at LIMIT max_rows
             FOR UPDATE SKIP LOCKED LOOP
        nc := nc + 1;
        CONTINUE WHEN dry_run;
        UPDATE cases SET applicant_cpr_sealed = ''::bytea, applicant_cpr_index = repeat('0', 64),
               applicant_name = '-', street = '-', postal_code = '-', city = '-', country = 'XX',
               nemid_number = NULL, close_reason = NULL, anonymised_at = at, version = version + 1
         WHERE id = c.id;
        UPDATE identity_checks SET photo_id_number = '-' WHERE case_id = c.id;
        UPDATE holder_verifications SET holder_cpr_sealed = ''::bytea, holder_cpr_index = repeat('0', 64),
               holder_name = '-', photo_id_number = '-' WHERE case_id = c.id;
        UPDATE case_events SET evidence = scrub_evidence(evidence) WHERE case_id = c.id;
        INSERT INTO case_events (case_id, seq, action, from_status, to_status, actor_sub, actor_name, actor_role,
                                 actor_office, evidence, request_id, occurred_at)
        VALUES (c.id, c.version + 1, 'anonymise', c.status, c.status, 'retention', 'Retention', 'system', NULL,
                jsonb_build_object('cutoff', cutoff), 'retention', at);
    END LOOP;
    FOR x IN SELECT id, status, version FROM exemptions
             WHERE status IN ('refused', 'revoked') AND coalesce(revoked_at, decided_at) < cutoff
               AND anonymised_at IS NULL
             ORDER BY coalesce(revoked_at, decided_at) LIMIT max_rows
             FOR UPDATE SKIP LOCKED LOOP
        nx := nx + 1;
        CONTINUE WHEN dry_run;
        UPDATE exemptions SET citizen_cpr_sealed = ''::bytea, citizen_cpr_index = repeat('0', 64),
               citizen_name = '-', note = CASE WHEN reason = 'other' THEN '-' END,
               proxy_name = CASE WHEN declaration = 'proxy' THEN '-' END,
               proxy_cpr_sealed = CASE WHEN declaration = 'proxy' THEN ''::bytea END,
               proxy_cpr_index = NULL,
               decision_reason = NULL, revoke_reason = NULL,
               anonymised_at = at, version = version + 1
         WHERE id = x.id;
        UPDATE exemption_events SET evidence = scrub_evidence(evidence) WHERE exemption_id = x.id;
        INSERT INTO exemption_events (exemption_id, seq, action, from_status, to_status, actor_sub, actor_name,
                                      actor_role, actor_office, evidence, request_id, occurred_at)
        VALUES (x.id, x.version + 1, 'anonymise', x.status, x.status, 'retention', 'Retention', 'system', NULL,
                jsonb_build_object('cutoff', cutoff), 'retention', at);
    END LOOP;
    RETURN QUERY SELECT nc, nx;
END;
$$;
