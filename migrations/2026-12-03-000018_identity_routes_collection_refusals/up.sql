-- Every way a person proves who they are, every way the code card reaches them, and refusals as
-- decisions (docs/DOMAIN.md "Proving identity without photo ID", "Collection at the desk",
-- "Refusals are decisions").

-- How identity was proven: set by the identity check. Cases checked before this migration were
-- checked with photo ID.
ALTER TABLE cases ADD COLUMN identity_route text CHECK (identity_route IN ('photo_id', 'secondary_documents'));
UPDATE cases SET identity_route = 'photo_id' WHERE identity_verified_at IS NOT NULL;
ALTER TABLE cases ADD CONSTRAINT cases_route_iff_verified CHECK ((identity_route IS NULL) = (identity_verified_at IS NULL));
-- Why post cannot reach the applicant (nothing is posted, the card is held for collection).
ALTER TABLE cases ADD COLUMN postal_block text CHECK (postal_block IN ('name_address_protection', 'no_usable_address'));
-- Held for collection at the office, to be collected by that day.
ALTER TABLE cases ADD COLUMN held_at timestamptz;
ALTER TABLE cases ADD COLUMN collect_by date;
ALTER TABLE cases ADD CONSTRAINT cases_held_with_collect_by CHECK ((held_at IS NULL) = (collect_by IS NULL));
-- A refusal: its reasons (for the report) and the decision as recorded (reasons, the rule each
-- rests on, the appeal guidance in force, decided by, when).
ALTER TABLE cases ADD COLUMN refusal_reasons text[] CHECK (cardinality(refusal_reasons) BETWEEN 1 AND 6
    AND refusal_reasons <@ ARRAY['identity_not_established', 'documents_invalid', 'under_age',
                                 'cannot_use_nemid_alone', 'already_has_nemid', 'other']);
ALTER TABLE cases ADD COLUMN refusal jsonb;
ALTER TABLE cases ADD CONSTRAINT cases_refusal_iff_reasons CHECK ((refusal IS NULL) = (refusal_reasons IS NULL));
ALTER TABLE cases ADD CONSTRAINT cases_refusal_only_rejected CHECK (refusal IS NULL OR status = 'rejected');

ALTER TABLE cases DROP CONSTRAINT cases_status_check;
ALTER TABLE cases ADD CONSTRAINT cases_status_check CHECK (status IN ('opened', 'identity_verified',
    'first_half_issued', 'second_half_posted', 'both_halves_posted', 'returned', 'awaiting_collection',
    'holder_verified', 'completed', 'cancelled', 'rejected'));
ALTER TABLE case_events DROP CONSTRAINT case_events_from_status_check;
ALTER TABLE case_events ADD CONSTRAINT case_events_from_status_check CHECK (from_status IN ('opened',
    'identity_verified', 'first_half_issued', 'second_half_posted', 'both_halves_posted', 'returned',
    'awaiting_collection', 'holder_verified', 'completed', 'cancelled', 'rejected'));
ALTER TABLE case_events DROP CONSTRAINT case_events_to_status_check;
ALTER TABLE case_events ADD CONSTRAINT case_events_to_status_check CHECK (to_status IN ('opened',
    'identity_verified', 'first_half_issued', 'second_half_posted', 'both_halves_posted', 'returned',
    'awaiting_collection', 'holder_verified', 'completed', 'cancelled', 'rejected'));
ALTER TABLE case_events DROP CONSTRAINT case_events_action_check;
ALTER TABLE case_events ADD CONSTRAINT case_events_action_check CHECK (action IN ('open', 'identity-check',
    'first-half', 'second-half', 'post-both', 'returned', 'activation', 'accompanying-holder', 'issue-in-full',
    'card-handout', 'password-handout', 'hold-for-collection', 'collect', 'postal-block', 'reject', 'cancel',
    'anonymise'));

ALTER TABLE nemid_events DROP CONSTRAINT nemid_events_action_check;
ALTER TABLE nemid_events ADD CONSTRAINT nemid_events_action_check CHECK (action IN ('create', 'import',
    'card_posted', 'card_held', 'activate', 'block', 'unblock', 'revoke', 'card_revoked', 'card_issued',
    'card_activated', 'password_issued'));

-- Posted cases past their day (both kinds of posting) and cards not collected in time, per office.
DROP INDEX cases_overdue_order;
DROP INDEX cases_overdue_by_office;
CREATE INDEX cases_overdue_order ON cases (second_half_expected_by, id) INCLUDE (office_id, kind, channel)
    WHERE status IN ('second_half_posted', 'both_halves_posted');
CREATE INDEX cases_overdue_by_office ON cases (office_id, second_half_expected_by)
    WHERE status IN ('second_half_posted', 'both_halves_posted');
CREATE INDEX cases_uncollected ON cases (collect_by, id) INCLUDE (office_id, kind, channel)
    WHERE status = 'awaiting_collection';
CREATE INDEX cases_uncollected_by_office ON cases (office_id, collect_by) WHERE status = 'awaiting_collection';
-- The refusals report reads rejected cases by the day they were closed.
CREATE INDEX cases_refused ON cases (closed_at) WHERE status = 'rejected';

-- Completions by collection count like those by activation.
CREATE OR REPLACE FUNCTION case_events_keep_daily_activity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d date := (NEW.occurred_at AT TIME ZONE 'Europe/Copenhagen')::date;
    o uuid;
    k text;
BEGIN
    IF NEW.action IN ('anonymise', 'postal-block') THEN
        RETURN NULL;
    END IF;
    SELECT office_id, kind INTO o, k FROM cases WHERE id = NEW.case_id;
    INSERT INTO daily_activity AS a (day, office_id, opened, identity_verified, first_half_issued,
            second_half_posted, completed_standard, completed_express, returned, cancelled, rejected,
            opened_replacement_card, opened_new_password, completed_replacement_card, completed_new_password)
    VALUES (d, o,
            (NEW.action = 'open')::int, (NEW.action = 'identity-check')::int, (NEW.action = 'first-half')::int,
            (NEW.action IN ('second-half', 'post-both'))::int,
            (NEW.action IN ('activation', 'collect') AND k = 'standard')::int,
            (NEW.action = 'issue-in-full')::int,
            (NEW.action = 'returned')::int, (NEW.action = 'cancel')::int, (NEW.action = 'reject')::int,
            (NEW.action = 'open' AND k = 'replacement_card')::int, (NEW.action = 'open' AND k = 'new_password')::int,
            (k = 'replacement_card' AND NEW.action IN ('card-handout', 'activation', 'collect'))::int,
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

-- A standard case collected at the desk was never posted: it adds no posted-to-completed
-- duration (a NULL appended to the array would have emptied it).
CREATE OR REPLACE FUNCTION cases_keep_daily_durations() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d date := (NEW.completed_at AT TIME ZONE 'Europe/Copenhagen')::date;
    standard boolean := NEW.kind = 'standard';
    posted boolean := NEW.second_half_posted_at IS NOT NULL;
BEGIN
    INSERT INTO daily_durations AS s (day, office_id, kind, opened_to_first_half, posted_to_completed,
            express_opened_to_completed, posted_completed, completed_within_window)
    VALUES (d, NEW.office_id, NEW.kind,
            CASE WHEN standard AND NEW.first_half_issued_at IS NOT NULL
                 THEN float8send(extract(epoch FROM NEW.first_half_issued_at - NEW.opened_at)::float8) ELSE ''::bytea END,
            CASE WHEN standard AND posted
                 THEN float8send(extract(epoch FROM NEW.completed_at - NEW.second_half_posted_at)::float8) ELSE ''::bytea END,
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
               count(*) FILTER (WHERE e.action IN ('second-half', 'post-both')),
               count(*) FILTER (WHERE e.action IN ('activation', 'collect') AND c.kind = 'standard'),
               count(*) FILTER (WHERE e.action = 'issue-in-full'),
               count(*) FILTER (WHERE e.action = 'returned'),
               count(*) FILTER (WHERE e.action = 'cancel'),
               count(*) FILTER (WHERE e.action = 'reject'),
               count(*) FILTER (WHERE e.action = 'open' AND c.kind = 'replacement_card'),
               count(*) FILTER (WHERE e.action = 'open' AND c.kind = 'new_password'),
               count(*) FILTER (WHERE e.action IN ('card-handout', 'activation', 'collect') AND c.kind = 'replacement_card'),
               count(*) FILTER (WHERE e.action = 'password-handout')
        FROM case_events e JOIN cases c ON c.id = e.case_id
        WHERE e.action NOT IN ('anonymise', 'postal-block')
        GROUP BY 1, 2;
$$;

-- What survives retention: the route, the documents' types, the postal block, the collection
-- day and the refusal reasons carry no personal data.
CREATE OR REPLACE FUNCTION scrub_evidence(e jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_object_agg(key, value), '{}'::jsonb) FROM jsonb_each(e)
    WHERE key IN ('kind', 'channel', 'expected_by', 'posting_window_days', 'address_corrected', 'photo_matches',
                  'health_card_presented', 'health_card_shows_applicant', 'both_halves', 'declaration',
                  'replacement_reason', 'route', 'documents', 'postal_block', 'collect_by',
                  'collection_days', 'reasons');
$$;

-- Retention: a refusal's free text may name the person; its reasons and rules stay.
CREATE FUNCTION cases_scrub_refusal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.refusal := NEW.refusal - 'explanation';
    RETURN NEW;
END;
$$;
CREATE TRIGGER cases_scrub_refusal BEFORE UPDATE OF anonymised_at ON cases
    FOR EACH ROW WHEN (NEW.anonymised_at IS NOT NULL AND OLD.anonymised_at IS NULL AND NEW.refusal IS NOT NULL)
    EXECUTE FUNCTION cases_scrub_refusal();
