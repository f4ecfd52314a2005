-- Exemptions from Digital Post: registered at a citizen service centre, decided by a supervisor.
CREATE TABLE exemptions (
    id                     uuid        PRIMARY KEY,
    office_id              uuid        NOT NULL REFERENCES offices (id),
    status                 text        NOT NULL CHECK (status IN ('pending', 'granted', 'refused', 'revoked')),
    citizen_cpr_sealed     bytea       NOT NULL,
    citizen_cpr_index      text        NOT NULL CHECK (citizen_cpr_index ~ '^[0-9a-f]{64}$'),
    citizen_name           text        NOT NULL CHECK (char_length(citizen_name) BETWEEN 1 AND 200),
    reason                 text        NOT NULL CHECK (reason IN ('language', 'cognitive_disability',
                               'physical_disability', 'no_digital_access', 'other')),
    note                   text        CHECK (char_length(note) BETWEEN 1 AND 1000),
    declaration            text        NOT NULL CHECK (declaration IN ('in_person', 'proxy')),
    proxy_name             text        CHECK (char_length(proxy_name) BETWEEN 1 AND 200),
    proxy_cpr_sealed       bytea,
    proxy_cpr_index        text        CHECK (proxy_cpr_index ~ '^[0-9a-f]{64}$'),
    registered_at          timestamptz NOT NULL,
    decided_at             timestamptz,
    decision_reason        text        CHECK (char_length(decision_reason) BETWEEN 1 AND 500),
    revoked_at             timestamptz,
    revoke_reason          text        CHECK (char_length(revoke_reason) BETWEEN 1 AND 500),
    version                integer     NOT NULL CHECK (version >= 1),
    CONSTRAINT exemptions_note_for_other CHECK (reason <> 'other' OR note IS NOT NULL),
    CONSTRAINT exemptions_proxy_iff_declared CHECK ((declaration = 'proxy') = (proxy_cpr_sealed IS NOT NULL AND proxy_name IS NOT NULL))
);

-- One pending or granted exemption per CPR at a time.
CREATE UNIQUE INDEX exemptions_one_active_per_cpr ON exemptions (citizen_cpr_index) WHERE status IN ('pending', 'granted');
CREATE INDEX exemptions_citizen_cpr ON exemptions (citizen_cpr_index);
CREATE INDEX exemptions_proxy_cpr ON exemptions (proxy_cpr_index) WHERE proxy_cpr_index IS NOT NULL;
CREATE INDEX exemptions_registered_order ON exemptions (registered_at DESC, id DESC);
CREATE INDEX exemptions_office_registered_order ON exemptions (office_id, registered_at DESC, id DESC);

-- The same shape as case events, append-only by the same trigger function.
CREATE TABLE exemption_events (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    exemption_id uuid        NOT NULL REFERENCES exemptions (id),
    seq          integer     NOT NULL CHECK (seq >= 1),
    action       text        NOT NULL CHECK (action IN ('register', 'grant', 'refuse', 'revoke')),
    from_status  text        CHECK (from_status IN ('pending', 'granted')),
    to_status    text        NOT NULL CHECK (to_status IN ('pending', 'granted', 'refused', 'revoked')),
    actor_sub    text        NOT NULL,
    actor_name   text        NOT NULL,
    actor_role   text        NOT NULL CHECK (actor_role IN ('clerk', 'bank', 'supervisor', 'admin')),
    actor_office text,
    evidence     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    request_id   text        NOT NULL,
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (exemption_id, seq)
);
CREATE TRIGGER exemption_events_append_only BEFORE UPDATE OR DELETE ON exemption_events
    FOR EACH ROW EXECUTE FUNCTION reject_event_change();
CREATE TRIGGER exemption_events_no_truncate BEFORE TRUNCATE ON exemption_events
    FOR EACH STATEMENT EXECUTE FUNCTION reject_event_change();
