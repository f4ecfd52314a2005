-- Report summaries, kept by triggers in the same transaction as every change, so reports over a
-- million cases read a few thousand summary rows instead of scanning cases and events.

-- Cases per office, kind, channel and status: the status report.
CREATE TABLE case_status_counts (
    office_id uuid    NOT NULL REFERENCES offices (id),
    kind      text    NOT NULL,
    channel   text    NOT NULL,
    status    text    NOT NULL,
    n         bigint  NOT NULL CHECK (n >= 0),
    PRIMARY KEY (office_id, kind, channel, status)
);

-- Increments upsert; decrements update the row the matching increment made (an INSERT of a
-- negative count would trip the CHECK before ON CONFLICT is considered).
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

-- On an update the two counter rows are touched in a fixed order (by status name), so two
-- transactions moving cases in opposite directions cannot deadlock on them.
CREATE FUNCTION cases_keep_status_counts() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER cases_status_counts AFTER INSERT OR DELETE ON cases
    FOR EACH ROW EXECUTE FUNCTION cases_keep_status_counts();
CREATE TRIGGER cases_status_counts_update AFTER UPDATE OF status, office_id, kind, channel ON cases
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.office_id IS DISTINCT FROM NEW.office_id
                       OR OLD.kind IS DISTINCT FROM NEW.kind OR OLD.channel IS DISTINCT FROM NEW.channel)
    EXECUTE FUNCTION cases_keep_status_counts();

-- Events per Copenhagen day and office: the throughput report. Counters are integer so that
-- sum() accumulates in int8 rather than numeric.
CREATE TABLE daily_activity (
    day                 date    NOT NULL,
    office_id           uuid    NOT NULL REFERENCES offices (id),
    opened              integer NOT NULL DEFAULT 0,
    identity_verified   integer NOT NULL DEFAULT 0,
    first_half_issued   integer NOT NULL DEFAULT 0,
    second_half_posted  integer NOT NULL DEFAULT 0,
    completed_standard  integer NOT NULL DEFAULT 0,
    completed_express   integer NOT NULL DEFAULT 0,
    returned            integer NOT NULL DEFAULT 0,
    cancelled           integer NOT NULL DEFAULT 0,
    rejected            integer NOT NULL DEFAULT 0,
    PRIMARY KEY (day, office_id)
);
CREATE INDEX daily_activity_office_day ON daily_activity (office_id, day);

CREATE FUNCTION case_events_keep_daily_activity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d date := (NEW.occurred_at AT TIME ZONE 'Europe/Copenhagen')::date;
BEGIN
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

CREATE TRIGGER case_events_daily_activity AFTER INSERT ON case_events
    FOR EACH ROW EXECUTE FUNCTION case_events_keep_daily_activity();

-- Durations of cases completed per Copenhagen day, office and kind, in seconds: the durations
-- report reads these few rows instead of every completed case, and computes exact percentiles
-- from them. Each column packs float8 values (float8send: 8 bytes, big-endian) back to back, so
-- the server reads a year of durations as a few megabytes of plain bytes. Cases never leave
-- `completed`, so values are only ever appended.
CREATE TABLE daily_durations (
    day                        date   NOT NULL,
    office_id                  uuid   NOT NULL REFERENCES offices (id),
    kind                       text   NOT NULL,
    opened_to_first_half       bytea  NOT NULL DEFAULT ''::bytea,
    posted_to_completed        bytea  NOT NULL DEFAULT ''::bytea,
    express_opened_to_completed bytea NOT NULL DEFAULT ''::bytea,
    posted_completed           bigint   NOT NULL DEFAULT 0,
    completed_within_window    bigint   NOT NULL DEFAULT 0,
    PRIMARY KEY (day, office_id, kind)
);

CREATE FUNCTION cases_keep_daily_durations() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER cases_daily_durations AFTER UPDATE OF status ON cases
    FOR EACH ROW WHEN (NEW.status = 'completed' AND OLD.status IS DISTINCT FROM 'completed')
    EXECUTE FUNCTION cases_keep_daily_durations();

-- Rebuilds the summaries from cases and events (after a bulk load with the triggers off).
CREATE FUNCTION rebuild_report_summaries() RETURNS void LANGUAGE sql AS $$
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
        FROM cases WHERE status = 'completed'
        GROUP BY 1, 2, 3;
    DELETE FROM case_status_counts;
    INSERT INTO case_status_counts (office_id, kind, channel, status, n)
        SELECT office_id, kind, channel, status, count(*) FROM cases GROUP BY 1, 2, 3, 4;
    DELETE FROM daily_activity;
    INSERT INTO daily_activity (day, office_id, opened, identity_verified, first_half_issued,
            second_half_posted, completed_standard, completed_express, returned, cancelled, rejected)
        SELECT (e.occurred_at AT TIME ZONE 'Europe/Copenhagen')::date, c.office_id,
               count(*) FILTER (WHERE e.action = 'open'),
               count(*) FILTER (WHERE e.action = 'identity-check'),
               count(*) FILTER (WHERE e.action = 'first-half'),
               count(*) FILTER (WHERE e.action = 'second-half'),
               count(*) FILTER (WHERE e.action = 'activation'),
               count(*) FILTER (WHERE e.action = 'issue-in-full'),
               count(*) FILTER (WHERE e.action = 'returned'),
               count(*) FILTER (WHERE e.action = 'cancel'),
               count(*) FILTER (WHERE e.action = 'reject')
        FROM case_events e JOIN cases c ON c.id = e.case_id
        GROUP BY 1, 2;
$$;

-- The overdue list (most overdue first, keyset on (expected_by, id)) and the overdue counts of
-- the status report, which read only this index (office, kind and channel are included).
CREATE INDEX cases_overdue_order ON cases (second_half_expected_by, id) INCLUDE (office_id, kind, channel)
    WHERE status = 'second_half_posted';
DROP INDEX cases_overdue;

-- Cases and events that exist already.
SELECT rebuild_report_summaries();
