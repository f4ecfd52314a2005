-- GET /reports/overdue?limit=50 (src/store/reports.rs overdue_page). Variables: today (-D).
SELECT x.id, x.case_number, x.office_id, o.code AS office_code, x.kind, x.status, x.applicant_cpr_sealed,
       x.second_half_posted_at, x.second_half_expected_by, x.held_at, x.collect_by, x.due
FROM ((SELECT c.*, c.second_half_expected_by AS due FROM cases c
       WHERE c.status IN ('second_half_posted', 'both_halves_posted') AND c.second_half_expected_by < :today
       ORDER BY c.second_half_expected_by, c.id LIMIT 51)
      UNION ALL
      (SELECT c.*, c.collect_by AS due FROM cases c
       WHERE c.status = 'awaiting_collection' AND c.collect_by < :today
       ORDER BY c.collect_by, c.id LIMIT 51)) x
JOIN offices o ON o.id = x.office_id
ORDER BY x.due, x.id LIMIT 51;
