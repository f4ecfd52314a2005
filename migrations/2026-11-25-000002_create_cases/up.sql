-- Cases, their append-only events, the evidence of identity checks and accompanying holders,
-- and idempotency records. States and kinds are text + CHECK (see the offices migration).

CREATE TABLE cases (
    id                       uuid        PRIMARY KEY,
    case_number              text        NOT NULL,
    office_id                uuid        NOT NULL REFERENCES offices (id),
    channel                  text        NOT NULL CHECK (channel IN ('desk', 'bank')),
    kind                     text        NOT NULL CHECK (kind IN ('standard', 'express')),
    status                   text        NOT NULL CHECK (status IN ('opened', 'identity_verified',
                                 'first_half_issued', 'second_half_posted', 'returned', 'holder_verified',
                                 'completed', 'cancelled', 'rejected')),
    -- The CPR number is never stored in clear: AES-256-GCM ciphertext (key id inside) and a keyed
    -- blind index (HMAC-SHA256, hex) for equality. See src/vault.rs.
    applicant_cpr_sealed     bytea       NOT NULL,
    applicant_cpr_index      text        NOT NULL CHECK (applicant_cpr_index ~ '^[0-9a-f]{64}$'),
    applicant_name           text        NOT NULL CHECK (char_length(applicant_name) BETWEEN 1 AND 200),
    street                   text        NOT NULL CHECK (char_length(street) BETWEEN 1 AND 200),
    postal_code              text        NOT NULL CHECK (char_length(postal_code) BETWEEN 1 AND 16),
    city                     text        NOT NULL CHECK (char_length(city) BETWEEN 1 AND 100),
    country                  text        NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    online_banking_agreement boolean     NOT NULL DEFAULT false,
    nemid_number             text        CHECK (nemid_number ~ '^[0-9]{9}$'),
    opened_at                timestamptz NOT NULL,
    identity_verified_at     timestamptz,
    first_half_issued_at     timestamptz,
    second_half_posted_at    timestamptz,
    second_half_expected_by  date,
    completed_at             timestamptz,
    closed_at                timestamptz,
    close_reason             text        CHECK (char_length(close_reason) BETWEEN 1 AND 500),
    version                  integer     NOT NULL CHECK (version >= 1),
    CONSTRAINT cases_bank_needs_agreement CHECK (channel <> 'bank' OR online_banking_agreement),
    CONSTRAINT cases_closed_iff_final CHECK ((closed_at IS NOT NULL) = (status IN ('completed', 'cancelled', 'rejected')))
);

CREATE UNIQUE INDEX cases_case_number_key ON cases (case_number);
CREATE UNIQUE INDEX cases_nemid_number_key ON cases (nemid_number);
-- One open case per CPR number, anywhere.
CREATE UNIQUE INDEX cases_one_open_per_cpr ON cases (applicant_cpr_index)
    WHERE status NOT IN ('completed', 'cancelled', 'rejected');
CREATE INDEX cases_applicant_cpr ON cases (applicant_cpr_index);
-- Keyset order of lists, overall and per office.
CREATE INDEX cases_opened_order ON cases (opened_at DESC, id DESC);
CREATE INDEX cases_office_opened_order ON cases (office_id, opened_at DESC, id DESC);
CREATE INDEX cases_status_opened_order ON cases (status, opened_at DESC, id DESC);
CREATE INDEX cases_overdue ON cases (second_half_expected_by) WHERE status = 'second_half_posted';

-- Case numbers count per office and year: KBH01-2026-000042.
CREATE TABLE case_number_counters (
    office_id uuid    NOT NULL REFERENCES offices (id),
    year      integer NOT NULL,
    last      integer NOT NULL,
    PRIMARY KEY (office_id, year)
);

-- NemID numbers (user ids) are 9 digits, handed out from a sequence so they never repeat.
CREATE SEQUENCE nemid_number_seq START WITH 100000001 MINVALUE 100000001 MAXVALUE 999999999 NO CYCLE;

CREATE TABLE case_events (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id      uuid        NOT NULL REFERENCES cases (id),
    seq          integer     NOT NULL CHECK (seq >= 1),
    action       text        NOT NULL CHECK (action IN ('open', 'identity-check', 'first-half', 'second-half',
                                 'returned', 'activation', 'accompanying-holder', 'issue-in-full', 'reject', 'cancel')),
    from_status  text        CHECK (from_status IN ('opened', 'identity_verified', 'first_half_issued',
                                 'second_half_posted', 'returned', 'holder_verified')),
    to_status    text        NOT NULL CHECK (to_status IN ('opened', 'identity_verified', 'first_half_issued',
                                 'second_half_posted', 'returned', 'holder_verified', 'completed', 'cancelled', 'rejected')),
    actor_sub    text        NOT NULL,
    actor_name   text        NOT NULL,
    actor_role   text        NOT NULL CHECK (actor_role IN ('clerk', 'bank', 'supervisor', 'admin')),
    actor_office text,
    evidence     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    request_id   text        NOT NULL,
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (case_id, seq)
);

-- Events are append-only: no UPDATE, DELETE or TRUNCATE, whoever asks.
CREATE FUNCTION reject_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION reject_event_change();
CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events
    FOR EACH STATEMENT EXECUTE FUNCTION reject_event_change();

CREATE TABLE identity_checks (
    case_id                  uuid        PRIMARY KEY REFERENCES cases (id),
    photo_id_type            text        NOT NULL CHECK (char_length(photo_id_type) BETWEEN 1 AND 40),
    photo_id_number          text        NOT NULL CHECK (char_length(photo_id_number) BETWEEN 1 AND 40),
    photo_id_expires_on      date        NOT NULL,
    photo_id_issuing_country text        NOT NULL CHECK (photo_id_issuing_country ~ '^[A-Z]{2}$'),
    checked_at               timestamptz NOT NULL
);

CREATE TABLE holder_verifications (
    case_id                  uuid        PRIMARY KEY REFERENCES cases (id),
    holder_cpr_sealed        bytea       NOT NULL,
    holder_cpr_index         text        NOT NULL CHECK (holder_cpr_index ~ '^[0-9a-f]{64}$'),
    holder_name              text        NOT NULL CHECK (char_length(holder_name) BETWEEN 1 AND 200),
    photo_id_type            text        NOT NULL CHECK (char_length(photo_id_type) BETWEEN 1 AND 40),
    photo_id_number          text        NOT NULL CHECK (char_length(photo_id_number) BETWEEN 1 AND 40),
    photo_id_expires_on      date        NOT NULL,
    photo_id_issuing_country text        NOT NULL CHECK (photo_id_issuing_country ~ '^[A-Z]{2}$'),
    nemid_active_since       date        NOT NULL,
    verified_on              date        NOT NULL,
    verified_at              timestamptz NOT NULL
);
-- The 3-in-120-days rule looks a holder up across all offices.
CREATE INDEX holder_verifications_holder ON holder_verifications (holder_cpr_index, verified_on);

-- Idempotency-Key records, scoped to the caller's sub; expire after 24 hours.
CREATE TABLE idempotency_keys (
    actor_sub     text        NOT NULL,
    key           text        NOT NULL,
    fingerprint   text        NOT NULL,
    status_code   integer,
    response_body bytea,
    etag          text,
    location      text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor_sub, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
