DROP INDEX access_log_nemid;
ALTER TABLE access_log DROP CONSTRAINT access_log_subject_kind_check;
ALTER TABLE access_log ADD CONSTRAINT access_log_subject_kind_check
    CHECK (subject_kind IN ('case', 'exemption', 'cpr_search', 'subject_access'));
ALTER TABLE access_log DROP COLUMN nemid_id;
DROP TABLE nemid_events;
DROP FUNCTION enqueue_nemid_event_deliveries();
DROP TABLE code_cards;
DROP SEQUENCE code_card_serial_seq;
DROP TABLE nemids;
