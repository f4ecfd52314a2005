-- Whole months of `daily_durations`: a durations report over a year read ≈ 36,000 day rows at a
-- million cases; it now reads the whole months of its range here (one row per month, office and
-- kind: ≈ 1,200) and only the days at its two ends from `daily_durations` (bench/README.md). A
-- month's row holds exactly the values of its days' rows: the fold appends to both in one
-- statement, and a rebuild derives the months from the days. The packed values are stored out of
-- line uncompressed (they compress poorly, and reading them is the report's cost).
CREATE TABLE monthly_durations (
    month                       date   NOT NULL CHECK (extract(day FROM month) = 1),
    office_id                   uuid   NOT NULL REFERENCES offices (id),
    kind                        text   NOT NULL,
    opened_to_first_half        bytea  NOT NULL DEFAULT ''::bytea,
    posted_to_completed         bytea  NOT NULL DEFAULT ''::bytea,
    express_opened_to_completed bytea  NOT NULL DEFAULT ''::bytea,
    posted_completed            bigint NOT NULL DEFAULT 0,
    completed_within_window     bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (month, office_id, kind)
);
ALTER TABLE monthly_durations ALTER opened_to_first_half SET STORAGE EXTERNAL,
    ALTER posted_to_completed SET STORAGE EXTERNAL, ALTER express_opened_to_completed SET STORAGE EXTERNAL;

-- No fold runs until this commits (it try-locks the same key and skips), so the months start from
-- exactly the days; deltas not yet folded stay where they are, and reports add them by day.
SELECT pg_advisory_xact_lock(7423001);
    INSERT INTO monthly_durations (month, office_id, kind, opened_to_first_half, posted_to_completed,
            express_opened_to_completed, posted_completed, completed_within_window)
        SELECT date_trunc('month', day::timestamp)::date, office_id, kind,
               string_agg(opened_to_first_half, ''::bytea), string_agg(posted_to_completed, ''::bytea),
               string_agg(express_opened_to_completed, ''::bytea),
               sum(posted_completed), sum(completed_within_window)
        FROM daily_durations GROUP BY 1, 2, 3;

CREATE OR REPLACE FUNCTION fold_report_deltas() RETURNS bigint LANGUAGE plpgsql AS $$
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
                   completed_within_window = s.completed_within_window + EXCLUDED.completed_within_window),
         -- The same values, appended to their month's row in the same statement.
         m AS (INSERT INTO monthly_durations AS s (month, office_id, kind, opened_to_first_half, posted_to_completed,
                      express_opened_to_completed, posted_completed, completed_within_window)
               SELECT date_trunc('month', day::timestamp)::date, office_id, kind,
                      string_agg(opened_to_first_half, ''::bytea), string_agg(posted_to_completed, ''::bytea),
                      string_agg(express_opened_to_completed, ''::bytea),
                      sum(posted_completed), sum(completed_within_window)
               FROM g GROUP BY 1, 2, 3
               ON CONFLICT (month, office_id, kind) DO UPDATE SET
                   opened_to_first_half = s.opened_to_first_half || EXCLUDED.opened_to_first_half,
                   posted_to_completed = s.posted_to_completed || EXCLUDED.posted_to_completed,
                   express_opened_to_completed = s.express_opened_to_completed || EXCLUDED.express_opened_to_completed,
                   posted_completed = s.posted_completed + EXCLUDED.posted_completed,
                   completed_within_window = s.completed_within_window + EXCLUDED.completed_within_window)
    SELECT coalesce(sum(rows), 0) INTO c FROM g;
    RETURN a + b + c;
END;
$$;

-- A rebuild recomputes the days from the cases, then the months from the days.
CREATE OR REPLACE FUNCTION rebuild_report_summaries() RETURNS void LANGUAGE sql AS $$
    DELETE FROM case_status_deltas;
    DELETE FROM daily_activity_deltas;
    DELETE FROM daily_duration_deltas;
    SELECT rebuild_report_summary_tables();
    DELETE FROM monthly_durations;
    INSERT INTO monthly_durations (month, office_id, kind, opened_to_first_half, posted_to_completed,
            express_opened_to_completed, posted_completed, completed_within_window)
        SELECT date_trunc('month', day::timestamp)::date, office_id, kind,
               string_agg(opened_to_first_half, ''::bytea), string_agg(posted_to_completed, ''::bytea),
               string_agg(express_opened_to_completed, ''::bytea),
               sum(posted_completed), sum(completed_within_window)
        FROM daily_durations GROUP BY 1, 2, 3;
$$;
