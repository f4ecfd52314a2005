DROP INDEX cases_overdue_by_office;
