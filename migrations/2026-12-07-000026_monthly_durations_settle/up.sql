-- Settles migration 25 on a database other server instances keep folding into while it is
-- applied. PL/pgSQL takes a function's body when the call starts: a fold another instance began
-- just before 25 committed, and that took the folds' lock just after, ran the old body and
-- folded its duration deltas into the days only. 25 has committed when this runs (each migration
-- commits on its own). After a pause far longer than the time between a call's start and its
-- try-lock, such a fold holds the lock or has committed; waiting for the lock and deriving the
-- months from the days once more leaves them exact. A database without durations has nothing
-- to settle and does not pause.
-- Each statement sees what committed before it (the pause is for that), whatever the default.
SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
SELECT pg_sleep(1) WHERE EXISTS (SELECT 1 FROM daily_durations) OR EXISTS (SELECT 1 FROM daily_duration_deltas);
SELECT pg_advisory_xact_lock(7423001);
DELETE FROM monthly_durations;
INSERT INTO monthly_durations (month, office_id, kind, opened_to_first_half, posted_to_completed,
        express_opened_to_completed, posted_completed, completed_within_window)
    SELECT date_trunc('month', day::timestamp)::date, office_id, kind,
           string_agg(opened_to_first_half, ''::bytea), string_agg(posted_to_completed, ''::bytea),
           string_agg(express_opened_to_completed, ''::bytea),
           sum(posted_completed), sum(completed_within_window)
    FROM daily_durations GROUP BY 1, 2, 3;
