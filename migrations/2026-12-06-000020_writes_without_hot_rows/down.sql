-- Undoes 000020: the counter row, the counter table and the in-place summaries come back.
-- Every delta goes into the summaries first: wait for a running fold (the try-lock inside
-- re-enters this session's lock), and keep writers out until the old triggers are back.
SELECT pg_advisory_xact_lock(7423001);
LOCK TABLE case_status_deltas, daily_activity_deltas, daily_duration_deltas IN EXCLUSIVE MODE;
SELECT fold_report_deltas();
DROP FUNCTION rebuild_report_summaries();
ALTER FUNCTION rebuild_report_summary_tables() RENAME TO rebuild_report_summaries;
DROP FUNCTION fold_report_deltas();

CREATE FUNCTION case_status_counts_apply(o uuid, k text, c text, s text, delta bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF delta > 0 THEN
        INSERT INTO case_status_counts (office_id, kind, channel, status, n) VALUES (o, k, c, s, delta)
        ON CONFLICT (office_id, kind, channel, status) DO UPDATE SET n = case_status_counts.n + EXCLUDED.n;
    ELSE
        UPDATE case_status_counts SET n = n + delta
        WHERE office_id = o AND kind = k AND channel = c AND status = s;
    END IF;
END;
$$;
CREATE OR REPLACE FUNCTION cases_keep_status_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM case_status_counts_apply(OLD.office_id, OLD.kind, OLD.channel, OLD.status, -1);
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM case_status_counts_apply(NEW.office_id, NEW.kind, NEW.channel, NEW.status, 1);
    ELSIF OLD.status <= NEW.status THEN
        PERFORM case_status_counts_apply(OLD.office_id, OLD.kind, OLD.channel, OLD.status, -1);
        PERFORM case_status_counts_apply(NEW.office_id, NEW.kind, NEW.channel, NEW.status, 1);
    ELSE
        PERFORM case_status_counts_apply(NEW.office_id, NEW.kind, NEW.channel, NEW.status, 1);
        PERFORM case_status_counts_apply(OLD.office_id, OLD.kind, OLD.channel, OLD.status, -1);
    END IF;
    RETURN NULL;
END;
$$;
DELETE FROM case_status_counts WHERE n = 0;
ALTER TABLE case_status_counts ADD CONSTRAINT case_status_counts_n_check CHECK (n >= 0);

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
            opened_replacement_card, opened_new_password, completed_replacement_card, completed_new_password,
            opened_online, completed_online)
    VALUES (d, o,
            (NEW.action = 'open')::int, (NEW.action = 'identity-check')::int, (NEW.action = 'first-half')::int,
            (NEW.action IN ('second-half', 'post-both') OR (NEW.action = 'open' AND k = 'online'))::int,
            (NEW.action IN ('activation', 'collect') AND k = 'standard')::int,
            (NEW.action = 'issue-in-full')::int,
            (NEW.action = 'returned')::int, (NEW.action = 'cancel')::int, (NEW.action = 'reject')::int,
            (NEW.action = 'open' AND k = 'replacement_card')::int, (NEW.action = 'open' AND k = 'new_password')::int,
            (k = 'replacement_card' AND NEW.action IN ('card-handout', 'activation', 'collect'))::int,
            (NEW.action = 'password-handout')::int,
            (NEW.action = 'open' AND k = 'online')::int, (NEW.action = 'activation' AND k = 'online')::int)
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
        completed_new_password = a.completed_new_password + EXCLUDED.completed_new_password,
        opened_online = a.opened_online + EXCLUDED.opened_online,
        completed_online = a.completed_online + EXCLUDED.completed_online;
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
DROP TABLE case_status_deltas;
DROP TABLE daily_activity_deltas;
DROP TABLE daily_duration_deltas;

CREATE TABLE case_number_counters (
    office_id uuid    NOT NULL REFERENCES offices (id),
    year      integer NOT NULL,
    last      integer NOT NULL,
    PRIMARY KEY (office_id, year)
);
-- The last number of each office and year is the largest one its cases carry.
INSERT INTO case_number_counters (office_id, year, last)
    SELECT office_id, substring(case_number FROM '-(\d{4})-\d+$')::int, max(substring(case_number FROM '-(\d+)$')::int)
    FROM cases WHERE case_number ~ '-\d{4}-\d+$' GROUP BY 1, 2;
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT id FROM offices LOOP
        EXECUTE format('DROP SEQUENCE IF EXISTS case_numbers_%s', replace(r.id::text, '-', ''));
    END LOOP;
END;
$$;
DROP TRIGGER offices_case_number_sequence ON offices;
DROP FUNCTION offices_make_case_number_sequence();
DROP FUNCTION next_case_number(uuid, integer);
DROP FUNCTION reserve_case_numbers(uuid, integer, integer);
DROP FUNCTION case_number_sequence(uuid);
DROP TABLE case_number_years;

CREATE TABLE feed_counter (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last      bigint  NOT NULL
);
INSERT INTO feed_counter (last) SELECT coalesce(greatest(
    (SELECT max(feed_position) FROM case_events), (SELECT max(feed_position) FROM exemption_events),
    (SELECT max(feed_position) FROM nemid_events)), 0);
DROP FUNCTION feed_horizon();
CREATE OR REPLACE FUNCTION assign_feed_position() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.feed_position IS NULL THEN
        UPDATE feed_counter SET last = last + 1 RETURNING last INTO NEW.feed_position;
    END IF;
    RETURN NEW;
END;
$$;
