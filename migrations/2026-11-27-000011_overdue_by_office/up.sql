-- The status report counts an office's overdue posts on every request. Without an index that
-- starts with the office, PostgreSQL ANDs the overdue index with the office's whole opening-order
-- index (every case the office ever had): 18 ms and 700 buffers at 100,000 cases
-- (bench/README.md). With the office first, it reads only that office's posted cases.
CREATE INDEX cases_overdue_by_office ON cases (office_id, second_half_expected_by) WHERE status = 'second_half_posted';
