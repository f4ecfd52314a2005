-- GET /reports/durations (src/store/reports.rs durations). Variables: from, to (-D). The server
-- finds the whole months of the range in Rust (domain::clock::whole_months); here `b` does.
WITH r AS (SELECT :from::date AS f, :to::date AS t),
m AS (SELECT f, t,
             CASE WHEN extract(day FROM f) = 1 THEN f ELSE (date_trunc('month', f::timestamp) + interval '1 month')::date END AS m1,
             CASE WHEN extract(day FROM t + 1) = 1 THEN t ELSE (date_trunc('month', t::timestamp) - interval '1 day')::date END AS m2
      FROM r),
b AS (SELECT f, t, CASE WHEN m1 <= m2 THEN m1 END AS m1, CASE WHEN m1 <= m2 THEN m2 END AS m2 FROM m)
SELECT opened_to_first_half, posted_to_completed, express_opened_to_completed, posted_completed, completed_within_window
FROM daily_durations, b WHERE day BETWEEN b.f AND coalesce(b.m1 - 1, b.t)
UNION ALL
SELECT opened_to_first_half, posted_to_completed, express_opened_to_completed, posted_completed, completed_within_window
FROM daily_durations, b WHERE day BETWEEN b.m2 + 1 AND b.t
UNION ALL
SELECT opened_to_first_half, posted_to_completed, express_opened_to_completed, posted_completed, completed_within_window
FROM monthly_durations, b WHERE month BETWEEN b.m1 AND b.m2
UNION ALL
SELECT opened_to_first_half, posted_to_completed, express_opened_to_completed, posted_completed, completed_within_window
FROM daily_duration_deltas, b WHERE day BETWEEN b.f AND b.t;
