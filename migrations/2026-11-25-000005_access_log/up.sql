-- Every response that reveals a full CPR number or an address leaves one record here: who,
-- when, which record, which endpoint, which request. Append-only like the events.
CREATE TABLE access_log (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    actor_sub    text        NOT NULL,
    actor_name   text        NOT NULL,
    actor_role   text        NOT NULL CHECK (actor_role IN ('clerk', 'bank', 'supervisor', 'admin')),
    actor_office text,
    subject_kind text        NOT NULL CHECK (subject_kind IN ('case', 'exemption', 'cpr_search', 'subject_access')),
    case_id      uuid        REFERENCES cases (id),
    exemption_id uuid        REFERENCES exemptions (id),
    -- Whose personal data was shown: the blind index of their CPR number.
    cpr_index    text        CHECK (cpr_index ~ '^[0-9a-f]{64}$'),
    endpoint     text        NOT NULL,
    request_id   text        NOT NULL
);
CREATE INDEX access_log_case ON access_log (case_id, id) WHERE case_id IS NOT NULL;
CREATE INDEX access_log_exemption ON access_log (exemption_id, id) WHERE exemption_id IS NOT NULL;
CREATE INDEX access_log_cpr ON access_log (cpr_index, id) WHERE cpr_index IS NOT NULL;
CREATE INDEX access_log_actor ON access_log (actor_sub, id);

CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION reject_event_change();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION reject_event_change();
