-- Refused (the CHECKs below fail) once cases, events or cards use the new states and actions:
-- events are append-only, so such a database stays on this migration.
DROP TRIGGER cases_scrub_refusal ON cases;
DROP FUNCTION cases_scrub_refusal();
DROP INDEX cases_refused;
DROP INDEX cases_uncollected_by_office;
DROP INDEX cases_uncollected;
DROP INDEX cases_overdue_by_office;
DROP INDEX cases_overdue_order;
CREATE INDEX cases_overdue_order ON cases (second_half_expected_by, id) INCLUDE (office_id, kind, channel)
    WHERE status = 'second_half_posted';
CREATE INDEX cases_overdue_by_office ON cases (office_id, second_half_expected_by) WHERE status = 'second_half_posted';
ALTER TABLE nemid_events DROP CONSTRAINT nemid_events_action_check;
ALTER TABLE nemid_events ADD CONSTRAINT nemid_events_action_check CHECK (action IN ('create', 'import',
    'card_posted', 'activate', 'block', 'unblock', 'revoke', 'card_revoked', 'card_issued', 'card_activated',
    'password_issued'));
ALTER TABLE case_events DROP CONSTRAINT case_events_action_check;
ALTER TABLE case_events ADD CONSTRAINT case_events_action_check CHECK (action IN ('open', 'identity-check',
    'first-half', 'second-half', 'returned', 'activation', 'accompanying-holder', 'issue-in-full', 'card-handout',
    'password-handout', 'reject', 'cancel', 'anonymise'));
ALTER TABLE case_events DROP CONSTRAINT case_events_to_status_check;
ALTER TABLE case_events ADD CONSTRAINT case_events_to_status_check CHECK (to_status IN ('opened', 'identity_verified',
    'first_half_issued', 'second_half_posted', 'returned', 'holder_verified', 'completed', 'cancelled', 'rejected'));
ALTER TABLE case_events DROP CONSTRAINT case_events_from_status_check;
ALTER TABLE case_events ADD CONSTRAINT case_events_from_status_check CHECK (from_status IN ('opened',
    'identity_verified', 'first_half_issued', 'second_half_posted', 'returned', 'holder_verified', 'completed',
    'cancelled', 'rejected'));
ALTER TABLE cases DROP CONSTRAINT cases_status_check;
ALTER TABLE cases ADD CONSTRAINT cases_status_check CHECK (status IN ('opened', 'identity_verified',
    'first_half_issued', 'second_half_posted', 'returned', 'holder_verified', 'completed', 'cancelled', 'rejected'));
ALTER TABLE cases DROP COLUMN refusal, DROP COLUMN refusal_reasons, DROP COLUMN collect_by, DROP COLUMN held_at,
    DROP COLUMN postal_block, DROP COLUMN identity_route;

CREATE OR REPLACE FUNCTION case_events_keep_daily_activity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d date := (NEW.occurred_at AT TIME ZONE 'Europe/Copenhagen')::date;
    o uuid;
    k text;
BEGIN
    IF NEW.action = 'anonymise' THEN
        RETURN NULL;
    END IF;
    SELECT office_id, kind INTO o, k FROM cases WHERE id = NEW.case_id;
    INSERT INTO daily_activity AS a (day, office_id, opened, identity_verified, first_half_issued,
            second_half_posted, completed_standard, completed_express, returned, cancelled, rejected,
            opened_replacement_card, opened_new_password, completed_replacement_card, completed_new_password)
    VALUES (d, o,
            (NEW.action = 'open')::int, (NEW.action = 'identity-check')::int, (NEW.action = 'first-half')::int,
            (NEW.action = 'second-half')::int, (NEW.action = 'activation' AND k = 'standard')::int,
            (NEW.action = 'issue-in-full')::int,
            (NEW.action = 'returned')::int, (NEW.action = 'cancel')::int, (NEW.action = 'reject')::int,
            (NEW.action = 'open' AND k = 'replacement_card')::int, (NEW.action = 'open' AND k = 'new_password')::int,
            (k = 'replacement_card' AND NEW.action IN ('card-handout', 'activation'))::int,
            (NEW.action = 'password-handout')::int)
    ON CONFLICT (day, office_id) DO UPDATE SET
        opened = a.opened + EXCLUDED.opened,
        identity_verified = a.identity_verified + EXCLUDED.identity_verified,
        first_half_issued = a.first_half_issued + EXCLUDED.first_half_issued,
        second_half_posted = a.second_half_posted + EXCLUDED.second_half_posted,
        completed_standard = a.completed_standard + EXCLUDED.completed_standard,
        completed_express = a.completed_express + EXCLUDED.completed_express,
        returned = a.returned + EXCLUDED.returned,
        cancelled = a.cancelled + EXCLUDED.cancelled,
        rejected = a.rejected + EXCLUDED.rejected,
        opened_replacement_card = a.opened_replacement_card + EXCLUDED.opened_replacement_card,
        opened_new_password = a.opened_new_password + EXCLUDED.opened_new_password,
        completed_replacement_card = a.completed_replacement_card + EXCLUDED.completed_replacement_card,
        completed_new_password = a.completed_new_password + EXCLUDED.completed_new_password;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION cases_keep_daily_durations() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d date := (NEW.completed_at AT TIME ZONE 'Europe/Copenhagen')::date;
    standard boolean := NEW.kind = 'standard';
    posted boolean := NEW.second_half_posted_at IS NOT NULL;
BEGIN
    INSERT INTO daily_durations AS s (day, office_id, kind, opened_to_first_half, posted_to_completed,
            express_opened_to_completed, posted_completed, completed_within_window)
    VALUES (d, NEW.office_id, NEW.kind,
            CASE WHEN standard THEN float8send(extract(epoch FROM NEW.first_half_issued_at - NEW.opened_at)::float8) ELSE ''::bytea END,
            CASE WHEN standard THEN float8send(extract(epoch FROM NEW.completed_at - NEW.second_half_posted_at)::float8) ELSE ''::bytea END,
            CASE WHEN NOT standard THEN float8send(extract(epoch FROM NEW.completed_at - NEW.opened_at)::float8) ELSE ''::bytea END,
            posted::int, (posted AND d <= NEW.second_half_expected_by)::int)
    ON CONFLICT (day, office_id, kind) DO UPDATE SET
        opened_to_first_half = s.opened_to_first_half || EXCLUDED.opened_to_first_half,
        posted_to_completed = s.posted_to_completed || EXCLUDED.posted_to_completed,
        express_opened_to_completed = s.express_opened_to_completed || EXCLUDED.express_opened_to_completed,
        posted_completed = s.posted_completed + EXCLUDED.posted_completed,
        completed_within_window = s.completed_within_window + EXCLUDED.completed_within_window;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION rebuild_report_summaries() RETURNS void LANGUAGE sql AS $$
    DELETE FROM daily_durations;
    INSERT INTO daily_durations (day, office_id, kind, opened_to_first_half, posted_to_completed,
            express_opened_to_completed, posted_completed, completed_within_window)
        SELECT (completed_at AT TIME ZONE 'Europe/Copenhagen')::date, office_id, kind,
               coalesce(string_agg(float8send(extract(epoch FROM first_half_issued_at - opened_at)::float8), ''::bytea)
                   FILTER (WHERE kind = 'standard'), ''::bytea),
               coalesce(string_agg(float8send(extract(epoch FROM completed_at - second_half_posted_at)::float8), ''::bytea)
                   FILTER (WHERE kind = 'standard'), ''::bytea),
               coalesce(string_agg(float8send(extract(epoch FROM completed_at - opened_at)::float8), ''::bytea)
                   FILTER (WHERE kind = 'express'), ''::bytea),
               count(*) FILTER (WHERE second_half_posted_at IS NOT NULL),
               count(*) FILTER (WHERE second_half_posted_at IS NOT NULL
                   AND (completed_at AT TIME ZONE 'Europe/Copenhagen')::date <= second_half_expected_by)
        FROM cases WHERE status = 'completed' AND kind IN ('standard', 'express')
        GROUP BY 1, 2, 3;
    DELETE FROM case_status_counts;
    INSERT INTO case_status_counts (office_id, kind, channel, status, n)
        SELECT office_id, kind, channel, status, count(*) FROM cases GROUP BY 1, 2, 3, 4;
    DELETE FROM daily_activity;
    INSERT INTO daily_activity (day, office_id, opened, identity_verified, first_half_issued,
            second_half_posted, completed_standard, completed_express, returned, cancelled, rejected,
            opened_replacement_card, opened_new_password, completed_replacement_card, completed_new_password)
        SELECT (e.occurred_at AT TIME ZONE 'Europe/Copenhagen')::date, c.office_id,
               count(*) FILTER (WHERE e.action = 'open'),
               count(*) FILTER (WHERE e.action = 'identity-check'),
               count(*) FILTER (WHERE e.action = 'first-half'),
               count(*) FILTER (WHERE e.action = 'second-half'),
               count(*) FILTER (WHERE e.action = 'activation' AND c.kind = 'standard'),
               count(*) FILTER (WHERE e.action = 'issue-in-full'),
               count(*) FILTER (WHERE e.action = 'returned'),
               count(*) FILTER (WHERE e.action = 'cancel'),
               count(*) FILTER (WHERE e.action = 'reject'),
               count(*) FILTER (WHERE e.action = 'open' AND c.kind = 'replacement_card'),
               count(*) FILTER (WHERE e.action = 'open' AND c.kind = 'new_password'),
               count(*) FILTER (WHERE e.action IN ('card-handout', 'activation') AND c.kind = 'replacement_card'),
               count(*) FILTER (WHERE e.action = 'password-handout')
        FROM case_events e JOIN cases c ON c.id = e.case_id
        GROUP BY 1, 2;
$$;

CREATE OR REPLACE FUNCTION scrub_evidence(e jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_object_agg(key, value), '{}'::jsonb) FROM jsonb_each(e)
    WHERE key IN ('kind', 'channel', 'expected_by', 'posting_window_days', 'address_corrected', 'photo_matches',
                  'health_card_presented', 'health_card_shows_applicant', 'both_halves', 'declaration',
                  'replacement_reason');
$$;
