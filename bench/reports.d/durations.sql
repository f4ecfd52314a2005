-- GET /reports/durations (src/store/reports.rs durations). Variables: from, to (-D).
SELECT opened_to_first_half, posted_to_completed, express_opened_to_completed, posted_completed, completed_within_window
FROM (SELECT * FROM daily_durations UNION ALL SELECT * FROM daily_duration_deltas) d
WHERE day BETWEEN :from AND :to;
