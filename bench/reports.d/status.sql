-- GET /reports/status (all offices): the three statements of src/http/reports/status.rs in its
-- read-only REPEATABLE READ transaction. Variables: today (-D).
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT c.office_id, o.code AS office_code, c.kind, c.status, sum(c.n)::bigint AS n
FROM (SELECT office_id, kind, channel, status, n FROM case_status_counts
      UNION ALL SELECT office_id, kind, channel, status, n FROM case_status_deltas) c
JOIN offices o ON o.id = c.office_id
GROUP BY c.office_id, o.code, c.kind, c.status ORDER BY o.code, c.kind, c.status;
SELECT office_id, kind, sum(overdue)::bigint AS overdue, sum(uncollected)::bigint AS uncollected
FROM (SELECT office_id, kind, count(*) AS overdue, 0 AS uncollected FROM cases
      WHERE status IN ('second_half_posted', 'both_halves_posted') AND second_half_expected_by < :today
      GROUP BY office_id, kind
      UNION ALL
      SELECT office_id, kind, 0, count(*) FROM cases
      WHERE status = 'awaiting_collection' AND collect_by < :today
      GROUP BY office_id, kind) x
GROUP BY office_id, kind;
SELECT status, reason, count(*) AS n FROM exemptions GROUP BY status, reason ORDER BY status, reason;
COMMIT;
