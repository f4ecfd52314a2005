DROP TABLE idempotency_keys;
DROP TABLE holder_verifications;
DROP TABLE identity_checks;
DROP TABLE case_events;
DROP FUNCTION reject_event_change();
DROP SEQUENCE nemid_number_seq;
DROP TABLE case_number_counters;
DROP TABLE cases;
