-- The online order (docs/DOMAIN.md "Online order"): the office kind of the online service, cases
-- of kind and channel `online`, the orders themselves (the fraud-review record and the queue of
-- orders waiting for the registers), and the development registers the local adapter reads.

ALTER TABLE offices DROP CONSTRAINT offices_kind_check;
ALTER TABLE offices ADD CONSTRAINT offices_kind_check
    CHECK (kind IN ('citizen_service_centre', 'bank_branch', 'online_service'));

ALTER TABLE cases DROP CONSTRAINT cases_kind_check;
ALTER TABLE cases ADD CONSTRAINT cases_kind_check
    CHECK (kind IN ('standard', 'express', 'replacement_card', 'new_password', 'online'));
ALTER TABLE cases DROP CONSTRAINT cases_channel_check;
ALTER TABLE cases ADD CONSTRAINT cases_channel_check CHECK (channel IN ('desk', 'bank', 'online'));
ALTER TABLE cases ADD CONSTRAINT cases_online_kind_iff_channel CHECK ((kind = 'online') = (channel = 'online'));
-- An online case is a first issuance: its NemID number is its own.
DROP INDEX cases_nemid_number_key;
CREATE UNIQUE INDEX cases_nemid_number_key ON cases (nemid_number) WHERE kind IN ('standard', 'express', 'online');

-- The online service acts on its own: its events name the actor `system`.
ALTER TABLE nemid_events DROP CONSTRAINT nemid_events_actor_role_check;
ALTER TABLE nemid_events ADD CONSTRAINT nemid_events_actor_role_check
    CHECK (actor_role IN ('clerk', 'bank', 'supervisor', 'admin', 'system'));

-- Every order, for fraud review and the report; while `outcome` is NULL it waits for the
-- registers, and only then holds the CPR number and the document number (sealed), which are
-- cleared when it is decided. The client address is a keyed hash; the CPR number a blind index.
CREATE TABLE online_orders (
    id                     uuid        PRIMARY KEY,
    received_at            timestamptz NOT NULL,
    cpr_index              text        NOT NULL,
    document_type          text        NOT NULL CHECK (document_type IN ('passport', 'drivers_licence')),
    client_hash            text        NOT NULL,
    outcome                text        CHECK (outcome IN ('case_made', 'rate_limited', 'person_not_found', 'not_alive',
                                           'under_age', 'no_postal_address', 'name_address_protection',
                                           'document_not_found', 'document_not_persons', 'document_expired',
                                           'nemid_exists', 'open_case', 'registers_unavailable')),
    cpr_sealed             bytea,
    document_number_sealed bytea,
    attempts               integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at        timestamptz,
    last_error             text        CHECK (char_length(last_error) <= 500),
    case_id                uuid        REFERENCES cases (id),
    decided_at             timestamptz,
    CONSTRAINT online_orders_secrets_while_waiting CHECK (
        (outcome IS NULL) = (cpr_sealed IS NOT NULL) AND (outcome IS NULL) = (document_number_sealed IS NOT NULL)
        AND (outcome IS NULL) = (next_attempt_at IS NOT NULL) AND (outcome IS NULL) = (decided_at IS NULL)),
    CONSTRAINT online_orders_case_iff_made CHECK ((outcome IS NOT DISTINCT FROM 'case_made') = (case_id IS NOT NULL))
);
-- The abuse limits count a client's and a CPR number's recent orders.
CREATE INDEX online_orders_by_client ON online_orders (client_hash, received_at);
CREATE INDEX online_orders_by_cpr ON online_orders (cpr_index, received_at);
CREATE INDEX online_orders_waiting ON online_orders (next_attempt_at) WHERE outcome IS NULL;
CREATE INDEX online_orders_by_day ON online_orders (received_at) INCLUDE (outcome);

-- The development registers (`registers import`, `seed`): the local adapter's answers. A person
-- is found by the blind index of their CPR number; a document names its holder the same way.
CREATE TABLE dev_cpr_register (
    cpr_index               text    PRIMARY KEY,
    name                    text    NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    birth_date              date    NOT NULL,
    alive                   boolean NOT NULL,
    street                  text    CHECK (char_length(street) BETWEEN 1 AND 200),
    postal_code             text    CHECK (char_length(postal_code) BETWEEN 1 AND 16),
    city                    text    CHECK (char_length(city) BETWEEN 1 AND 100),
    country                 text    CHECK (country ~ '^[A-Z]{2}$'),
    name_address_protection boolean NOT NULL,
    CONSTRAINT dev_cpr_register_whole_address CHECK ((street IS NULL) = (postal_code IS NULL)
        AND (street IS NULL) = (city IS NULL) AND (street IS NULL) = (country IS NULL))
);
CREATE TABLE dev_identity_documents (
    register   text NOT NULL CHECK (register IN ('passport', 'drivers_licence')),
    number     text NOT NULL CHECK (number ~ '^[A-Z0-9]{6,12}$'),
    cpr_index  text NOT NULL,
    expires_on date NOT NULL,
    PRIMARY KEY (register, number)
);

ALTER TABLE daily_activity ADD COLUMN opened_online integer NOT NULL DEFAULT 0;
ALTER TABLE daily_activity ADD COLUMN completed_online integer NOT NULL DEFAULT 0;

-- Online cases count as opened, posted (both halves, at once) and completed by activation.
CREATE OR REPLACE FUNCTION case_events_keep_daily_activity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d date := (NEW.occurred_at AT TIME ZONE 'Europe/Copenhagen')::date;
    o uuid;
    k text;
BEGIN
    IF NEW.action IN ('anonymise', 'postal-block') THEN
        RETURN NULL;
    END IF;
    SELECT office_id, kind INTO o, k FROM cases WHERE id = NEW.case_id;
    INSERT INTO daily_activity AS a (day, office_id, opened, identity_verified, first_half_issued,
            second_half_posted, completed_standard, completed_express, returned, cancelled, rejected,
            opened_replacement_card, opened_new_password, completed_replacement_card, completed_new_password,
            opened_online, completed_online)
    VALUES (d, o,
            (NEW.action = 'open')::int, (NEW.action = 'identity-check')::int, (NEW.action = 'first-half')::int,
            (NEW.action IN ('second-half', 'post-both') OR (NEW.action = 'open' AND k = 'online'))::int,
            (NEW.action IN ('activation', 'collect') AND k = 'standard')::int,
            (NEW.action = 'issue-in-full')::int,
            (NEW.action = 'returned')::int, (NEW.action = 'cancel')::int, (NEW.action = 'reject')::int,
            (NEW.action = 'open' AND k = 'replacement_card')::int, (NEW.action = 'open' AND k = 'new_password')::int,
            (k = 'replacement_card' AND NEW.action IN ('card-handout', 'activation', 'collect'))::int,
            (NEW.action = 'password-handout')::int,
            (NEW.action = 'open' AND k = 'online')::int, (NEW.action = 'activation' AND k = 'online')::int)
    ON CONFLICT (day, office_id) DO UPDATE SET
        opened = a.opened + EXCLUDED.opened,
        identity_verified = a.identity_verified + EXCLUDED.identity_verified,
        first_half_issued = a.first_half_issued + EXCLUDED.first_half_issued,
        second_half_posted = a.second_half_posted + EXCLUDED.second_half_posted,
        completed_standard = a.completed_standard + EXCLUDED.completed_standard,
        completed_express = a.completed_express + EXCLUDED.completed_express,
        returned = a.returned + EXCLUDED.returned,
        cancelled = a.cancelled + EXCLUDED.cancelled,
        rejected = a.rejected + EXCLUDED.rejected,
        opened_replacement_card = a.opened_replacement_card + EXCLUDED.opened_replacement_card,
        opened_new_password = a.opened_new_password + EXCLUDED.opened_new_password,
        completed_replacement_card = a.completed_replacement_card + EXCLUDED.completed_replacement_card,
        completed_new_password = a.completed_new_password + EXCLUDED.completed_new_password,
        opened_online = a.opened_online + EXCLUDED.opened_online,
        completed_online = a.completed_online + EXCLUDED.completed_online;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION rebuild_report_summaries() RETURNS void LANGUAGE sql AS $$
    DELETE FROM daily_durations;
    INSERT INTO daily_durations (day, office_id, kind, opened_to_first_half, posted_to_completed,
            express_opened_to_completed, posted_completed, completed_within_window)
        SELECT (completed_at AT TIME ZONE 'Europe/Copenhagen')::date, office_id, kind,
               coalesce(string_agg(float8send(extract(epoch FROM first_half_issued_at - opened_at)::float8), ''::bytea)
                   FILTER (WHERE kind = 'standard'), ''::bytea),
               coalesce(string_agg(float8send(extract(epoch FROM completed_at - second_half_posted_at)::float8), ''::bytea)
                   FILTER (WHERE kind = 'standard'), ''::bytea),
               coalesce(string_agg(float8send(extract(epoch FROM completed_at - opened_at)::float8), ''::bytea)
                   FILTER (WHERE kind = 'express'), ''::bytea),
               count(*) FILTER (WHERE second_half_posted_at IS NOT NULL),
               count(*) FILTER (WHERE second_half_posted_at IS NOT NULL
                   AND (completed_at AT TIME ZONE 'Europe/Copenhagen')::date <= second_half_expected_by)
        FROM cases WHERE status = 'completed' AND kind IN ('standard', 'express')
        GROUP BY 1, 2, 3;
    DELETE FROM case_status_counts;
    INSERT INTO case_status_counts (office_id, kind, channel, status, n)
        SELECT office_id, kind, channel, status, count(*) FROM cases GROUP BY 1, 2, 3, 4;
    DELETE FROM daily_activity;
    INSERT INTO daily_activity (day, office_id, opened, identity_verified, first_half_issued,
            second_half_posted, completed_standard, completed_express, returned, cancelled, rejected,
            opened_replacement_card, opened_new_password, completed_replacement_card, completed_new_password,
            opened_online, completed_online)
        SELECT (e.occurred_at AT TIME ZONE 'Europe/Copenhagen')::date, c.office_id,
               count(*) FILTER (WHERE e.action = 'open'),
               count(*) FILTER (WHERE e.action = 'identity-check'),
               count(*) FILTER (WHERE e.action = 'first-half'),
               count(*) FILTER (WHERE e.action IN ('second-half', 'post-both') OR (e.action = 'open' AND c.kind = 'online')),
               count(*) FILTER (WHERE e.action IN ('activation', 'collect') AND c.kind = 'standard'),
               count(*) FILTER (WHERE e.action = 'issue-in-full'),
               count(*) FILTER (WHERE e.action = 'returned'),
               count(*) FILTER (WHERE e.action = 'cancel'),
               count(*) FILTER (WHERE e.action = 'reject'),
               count(*) FILTER (WHERE e.action = 'open' AND c.kind = 'replacement_card'),
               count(*) FILTER (WHERE e.action = 'open' AND c.kind = 'new_password'),
               count(*) FILTER (WHERE e.action IN ('card-handout', 'activation', 'collect') AND c.kind = 'replacement_card'),
               count(*) FILTER (WHERE e.action = 'password-handout'),
               count(*) FILTER (WHERE e.action = 'open' AND c.kind = 'online'),
               count(*) FILTER (WHERE e.action = 'activation' AND c.kind = 'online')
        FROM case_events e JOIN cases c ON c.id = e.case_id
        WHERE e.action NOT IN ('anonymise', 'postal-block')
        GROUP BY 1, 2;
$$;

