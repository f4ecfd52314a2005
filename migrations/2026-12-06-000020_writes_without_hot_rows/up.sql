-- Writes without a hot row (issue 23). Three things every writing transaction used to update in
-- place, holding the row's lock through its commit and WAL flush, so that writes queued one
-- fsync at a time: the feed counter, the office's case-number counter, and the report summary
-- rows. Each becomes something concurrent transactions do not share.

------------------------------------------------------------------------------------------------
-- 1. Feed positions: the writing transaction's id and its own event count.
--
-- position = (top-level transaction id << 24) | n, n = 1, 2, … within the transaction. Positions
-- of one transaction are consecutive and in insert order; those of different transactions are
-- ordered by transaction id, not by commit. A reader is therefore only handed positions below
-- (pg_snapshot_xmin(pg_current_snapshot()) << 24, see feed_horizon()): every transaction with a
-- smaller id has ended (committed, or aborted and left nothing), and every later one will have a
-- larger id, so the set
-- of events below that bound never changes again. The technique: O. Dudycz, "How Postgres
-- sequences issues can impact your messaging guarantees" (event-driven.io, 2022-10-28: order by
-- transaction id and position, read only below pg_snapshot_xmin), on PostgreSQL's definition of a
-- snapshot's xmin ("all earlier transactions will either be committed and visible, or rolled
-- back"). 24 bits allow 16.7 million events per transaction, leaving 39 bits for the id
-- (5.5 * 10^11 transactions) before a bigint overflows.
--
-- Positions already handed out (1 … n from the counter) stay as they are: they are below every
-- position a transaction id can produce now, which the DO block checks.
DO $$
BEGIN
    IF greatest((SELECT max(feed_position) FROM case_events), (SELECT max(feed_position) FROM exemption_events),
                (SELECT max(feed_position) FROM nemid_events)) >= (pg_current_xact_id()::text::bigint << 24) THEN
        RAISE EXCEPTION 'existing feed positions exceed the first transaction-based position';
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION assign_feed_position() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    IF NEW.feed_position IS NULL THEN
        -- The count lives in a transaction-local setting: no table, no lock, reset at the end.
        n := coalesce(nullif(current_setting('nemid.feed_n', true), ''), '0')::bigint + 1;
        IF n >= 16777216 THEN
            RAISE EXCEPTION 'a transaction may write at most 16777215 events';
        END IF;
        PERFORM set_config('nemid.feed_n', n::text, true);
        NEW.feed_position := (pg_current_xact_id()::text::bigint << 24) | n;
    END IF;
    RETURN NEW;
END;
$$;

-- The first position no reader may be handed yet (see above), in the calling statement's
-- snapshot (STABLE: it sees the caller's snapshot). A transaction of another database on the same
-- server cannot write here, so it need not hold this database's feed back: the bound is the
-- oldest transaction still running in the snapshot, leaving out those that pg_stat_activity shows
-- running in another database. One that ended between the snapshot and that look, or whose
-- session this role may not see, is kept in (its events might be ours): that only delays, never
-- skips.
CREATE FUNCTION feed_horizon() RETURNS bigint LANGUAGE sql STABLE AS $$
    WITH s AS (SELECT pg_current_snapshot() AS snap),
         elsewhere AS (
             SELECT a.backend_xid::text::bigint AS xid FROM pg_stat_get_activity(NULL::integer) a
             WHERE a.backend_xid IS NOT NULL
               AND a.datid IS DISTINCT FROM (SELECT oid FROM pg_database WHERE datname = current_database()))
    SELECT least(pg_snapshot_xmax(s.snap)::text::bigint,
                 (SELECT min(r.x) FROM (SELECT x::text::bigint AS x FROM pg_snapshot_xip(s.snap) x) r
                  WHERE (r.x & 4294967295) NOT IN (SELECT xid FROM elsewhere))) << 24
    FROM s
$$;

DROP TABLE feed_counter;

------------------------------------------------------------------------------------------------
-- 2. Case numbers: a sequence per office, and a base per office and year.
--
-- number = nextval(office's sequence) - base(office, year). The base row is written once, by the
-- year's first opening (ON CONFLICT DO NOTHING: a concurrent first opening waits for it, once a
-- year), and only read after that. A sequence is never rolled back, so a failed opening leaves a
-- gap; numbers stay unique per office and year and keep the OFFICE-YEAR-NNNNNN shape.
CREATE TABLE case_number_years (
    office_id uuid    NOT NULL REFERENCES offices (id),
    year      integer NOT NULL,
    base      bigint  NOT NULL,
    PRIMARY KEY (office_id, year)
);

CREATE FUNCTION case_number_sequence(o uuid) RETURNS regclass LANGUAGE sql STABLE AS $$
    SELECT format('case_numbers_%s', replace(o::text, '-', ''))::regclass
$$;

CREATE FUNCTION offices_make_case_number_sequence() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE SEQUENCE case_numbers_%s', replace(NEW.id::text, '-', ''));
    RETURN NULL;
END;
$$;
CREATE TRIGGER offices_case_number_sequence AFTER INSERT ON offices
    FOR EACH ROW EXECUTE FUNCTION offices_make_case_number_sequence();

-- The next case number of office o in year y.
CREATE FUNCTION next_case_number(o uuid, y integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    s regclass := case_number_sequence(o);
    v bigint := nextval(s);
    b bigint;
BEGIN
    SELECT base INTO b FROM case_number_years WHERE office_id = o AND year = y;
    IF NOT FOUND THEN
        INSERT INTO case_number_years (office_id, year, base) VALUES (o, y, v - 1) ON CONFLICT DO NOTHING;
        SELECT base INTO STRICT b FROM case_number_years WHERE office_id = o AND year = y;
    END IF;
    -- A value drawn before another transaction set this year's base belongs to no number.
    WHILE v <= b LOOP
        v := nextval(s);
    END LOOP;
    RETURN v - b;
END;
$$;

-- Makes the next number of office o in year y greater than `last` (a bulk load's numbers).
CREATE FUNCTION reserve_case_numbers(o uuid, y integer, last integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    s regclass := case_number_sequence(o);
    v bigint := nextval(s);
    b bigint;
BEGIN
    SELECT base INTO b FROM case_number_years WHERE office_id = o AND year = y;
    IF NOT FOUND THEN
        INSERT INTO case_number_years (office_id, year, base) VALUES (o, y, v - last);
    ELSIF v - b <= last THEN
        PERFORM setval(s, b + last);
    END IF;
END;
$$;

DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT id FROM offices LOOP
        EXECUTE format('CREATE SEQUENCE case_numbers_%s', replace(r.id::text, '-', ''));
    END LOOP;
    FOR r IN SELECT office_id, year, last FROM case_number_counters LOOP
        PERFORM reserve_case_numbers(r.office_id, r.year, r.last);
    END LOOP;
END;
$$;
DROP TABLE case_number_counters;

------------------------------------------------------------------------------------------------
-- 3. Report summaries: each transaction appends delta rows; a background fold merges them.
--
-- Triggers only INSERT into *_deltas (no key, no index: nothing two writers share). Reports
-- read summary + deltas in one statement (one snapshot), and fold_report_deltas() moves the
-- deltas into the summary rows in one transaction, so every report is exact at every moment.
ALTER TABLE case_status_counts DROP CONSTRAINT case_status_counts_n_check;
CREATE TABLE case_status_deltas (
    office_id uuid   NOT NULL,
    kind      text   NOT NULL,
    channel   text   NOT NULL,
    status    text   NOT NULL,
    n         bigint NOT NULL
);
CREATE TABLE daily_activity_deltas (LIKE daily_activity INCLUDING DEFAULTS);
CREATE TABLE daily_duration_deltas (LIKE daily_durations INCLUDING DEFAULTS);

CREATE OR REPLACE FUNCTION cases_keep_status_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO case_status_deltas VALUES (OLD.office_id, OLD.kind, OLD.channel, OLD.status, -1);
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO case_status_deltas VALUES (NEW.office_id, NEW.kind, NEW.channel, NEW.status, 1);
    ELSE
        INSERT INTO case_status_deltas VALUES (OLD.office_id, OLD.kind, OLD.channel, OLD.status, -1),
                                              (NEW.office_id, NEW.kind, NEW.channel, NEW.status, 1);
    END IF;
    RETURN NULL;
END;
$$;
DROP FUNCTION case_status_counts_apply(uuid, text, text, text, bigint);

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
    INSERT INTO daily_activity_deltas (day, office_id, opened, identity_verified, first_half_issued,
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
            (NEW.action = 'open' AND k = 'online')::int, (NEW.action = 'activation' AND k = 'online')::int);
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION cases_keep_daily_durations() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d date := (NEW.completed_at AT TIME ZONE 'Europe/Copenhagen')::date;
    standard boolean := NEW.kind = 'standard';
    posted boolean := NEW.second_half_posted_at IS NOT NULL;
BEGIN
    INSERT INTO daily_duration_deltas (day, office_id, kind, opened_to_first_half, posted_to_completed,
            express_opened_to_completed, posted_completed, completed_within_window)
    VALUES (d, NEW.office_id, NEW.kind,
            CASE WHEN standard AND NEW.first_half_issued_at IS NOT NULL
                 THEN float8send(extract(epoch FROM NEW.first_half_issued_at - NEW.opened_at)::float8) ELSE ''::bytea END,
            CASE WHEN standard AND posted
                 THEN float8send(extract(epoch FROM NEW.completed_at - NEW.second_half_posted_at)::float8) ELSE ''::bytea END,
            CASE WHEN NOT standard THEN float8send(extract(epoch FROM NEW.completed_at - NEW.opened_at)::float8) ELSE ''::bytea END,
            posted::int, (posted AND d <= NEW.second_half_expected_by)::int);
    RETURN NULL;
END;
$$;

-- Merges every committed delta into the summaries; returns how many delta rows it folded. One
-- folder at a time (the others return 0 at once); writers are never blocked by it.
CREATE FUNCTION fold_report_deltas() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    a bigint;
    b bigint;
    c bigint;
BEGIN
    IF NOT pg_try_advisory_xact_lock(7423001) THEN
        RETURN 0;
    END IF;
    WITH d AS (DELETE FROM case_status_deltas RETURNING *),
         g AS (SELECT office_id, kind, channel, status, sum(n) AS n, count(*) AS rows FROM d GROUP BY 1, 2, 3, 4),
         i AS (INSERT INTO case_status_counts AS s (office_id, kind, channel, status, n)
               SELECT office_id, kind, channel, status, n FROM g
               ON CONFLICT (office_id, kind, channel, status) DO UPDATE SET n = s.n + EXCLUDED.n)
    SELECT coalesce(sum(rows), 0) INTO a FROM g;

    WITH d AS (DELETE FROM daily_activity_deltas RETURNING *),
         g AS (SELECT day, office_id, count(*) AS rows,
                      sum(opened) AS opened, sum(identity_verified) AS identity_verified,
                      sum(first_half_issued) AS first_half_issued, sum(second_half_posted) AS second_half_posted,
                      sum(completed_standard) AS completed_standard, sum(completed_express) AS completed_express,
                      sum(returned) AS returned, sum(cancelled) AS cancelled, sum(rejected) AS rejected,
                      sum(opened_replacement_card) AS opened_replacement_card,
                      sum(opened_new_password) AS opened_new_password,
                      sum(completed_replacement_card) AS completed_replacement_card,
                      sum(completed_new_password) AS completed_new_password,
                      sum(opened_online) AS opened_online, sum(completed_online) AS completed_online
               FROM d GROUP BY 1, 2),
         i AS (INSERT INTO daily_activity AS s (day, office_id, opened, identity_verified, first_half_issued,
                      second_half_posted, completed_standard, completed_express, returned, cancelled, rejected,
                      opened_replacement_card, opened_new_password, completed_replacement_card,
                      completed_new_password, opened_online, completed_online)
               SELECT day, office_id, opened, identity_verified, first_half_issued, second_half_posted,
                      completed_standard, completed_express, returned, cancelled, rejected,
                      opened_replacement_card, opened_new_password, completed_replacement_card,
                      completed_new_password, opened_online, completed_online FROM g
               ON CONFLICT (day, office_id) DO UPDATE SET
                   opened = s.opened + EXCLUDED.opened,
                   identity_verified = s.identity_verified + EXCLUDED.identity_verified,
                   first_half_issued = s.first_half_issued + EXCLUDED.first_half_issued,
                   second_half_posted = s.second_half_posted + EXCLUDED.second_half_posted,
                   completed_standard = s.completed_standard + EXCLUDED.completed_standard,
                   completed_express = s.completed_express + EXCLUDED.completed_express,
                   returned = s.returned + EXCLUDED.returned,
                   cancelled = s.cancelled + EXCLUDED.cancelled,
                   rejected = s.rejected + EXCLUDED.rejected,
                   opened_replacement_card = s.opened_replacement_card + EXCLUDED.opened_replacement_card,
                   opened_new_password = s.opened_new_password + EXCLUDED.opened_new_password,
                   completed_replacement_card = s.completed_replacement_card + EXCLUDED.completed_replacement_card,
                   completed_new_password = s.completed_new_password + EXCLUDED.completed_new_password,
                   opened_online = s.opened_online + EXCLUDED.opened_online,
                   completed_online = s.completed_online + EXCLUDED.completed_online)
    SELECT coalesce(sum(rows), 0) INTO b FROM g;

    WITH d AS (DELETE FROM daily_duration_deltas RETURNING *),
         g AS (SELECT day, office_id, kind, count(*) AS rows,
                      string_agg(opened_to_first_half, ''::bytea) AS opened_to_first_half,
                      string_agg(posted_to_completed, ''::bytea) AS posted_to_completed,
                      string_agg(express_opened_to_completed, ''::bytea) AS express_opened_to_completed,
                      sum(posted_completed) AS posted_completed, sum(completed_within_window) AS completed_within_window
               FROM d GROUP BY 1, 2, 3),
         i AS (INSERT INTO daily_durations AS s (day, office_id, kind, opened_to_first_half, posted_to_completed,
                      express_opened_to_completed, posted_completed, completed_within_window)
               SELECT day, office_id, kind, opened_to_first_half, posted_to_completed, express_opened_to_completed,
                      posted_completed, completed_within_window FROM g
               ON CONFLICT (day, office_id, kind) DO UPDATE SET
                   opened_to_first_half = s.opened_to_first_half || EXCLUDED.opened_to_first_half,
                   posted_to_completed = s.posted_to_completed || EXCLUDED.posted_to_completed,
                   express_opened_to_completed = s.express_opened_to_completed || EXCLUDED.express_opened_to_completed,
                   posted_completed = s.posted_completed + EXCLUDED.posted_completed,
                   completed_within_window = s.completed_within_window + EXCLUDED.completed_within_window)
    SELECT coalesce(sum(rows), 0) INTO c FROM g;
    RETURN a + b + c;
END;
$$;

-- A rebuild recomputes the summaries from the cases and events themselves; deltas written before
-- it are part of what it counts.
ALTER FUNCTION rebuild_report_summaries() RENAME TO rebuild_report_summary_tables;
CREATE FUNCTION rebuild_report_summaries() RETURNS void LANGUAGE sql AS $$
    DELETE FROM case_status_deltas;
    DELETE FROM daily_activity_deltas;
    DELETE FROM daily_duration_deltas;
    SELECT rebuild_report_summary_tables();
$$;
