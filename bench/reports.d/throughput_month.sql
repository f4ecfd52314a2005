-- GET /reports/throughput?granularity=month (src/store/reports.rs throughput). Variables: from, to (-D).
WITH p AS (
    SELECT date_trunc('month', a.day::timestamp)::date AS period_start, a.office_id, sum(a.opened)::bigint AS opened, sum(a.identity_verified)::bigint AS identity_verified, sum(a.first_half_issued)::bigint AS first_half_issued, sum(a.second_half_posted)::bigint AS second_half_posted, sum(a.completed_standard)::bigint AS completed_standard, sum(a.completed_express)::bigint AS completed_express, sum(a.returned)::bigint AS returned, sum(a.cancelled)::bigint AS cancelled, sum(a.rejected)::bigint AS rejected, sum(a.opened_replacement_card)::bigint AS opened_replacement_card, sum(a.opened_new_password)::bigint AS opened_new_password, sum(a.completed_replacement_card)::bigint AS completed_replacement_card, sum(a.completed_new_password)::bigint AS completed_new_password, sum(a.opened_online)::bigint AS opened_online, sum(a.completed_online)::bigint AS completed_online
    FROM (SELECT * FROM daily_activity UNION ALL SELECT * FROM daily_activity_deltas) a
    WHERE a.day BETWEEN :from AND :to
    GROUP BY 1, 2)
SELECT p.period_start, p.office_id, o.code AS office_code, ARRAY[p.opened, p.identity_verified, p.first_half_issued, p.second_half_posted, p.completed_standard, p.completed_express, p.returned, p.cancelled, p.rejected, p.opened_replacement_card, p.opened_new_password, p.completed_replacement_card, p.completed_new_password, p.opened_online, p.completed_online] AS counts
FROM p JOIN offices o ON o.id = p.office_id;
