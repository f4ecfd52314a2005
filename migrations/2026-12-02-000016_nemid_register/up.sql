-- The NemID register (docs/DOMAIN.md "The NemID register"): the NemIDs themselves, their code
-- cards and the append-only history of both. First issuance drives it; the change feed and the
-- webhook outbox carry its events like case and exemption events.

CREATE TABLE nemids (
    id                uuid PRIMARY KEY,
    number            text NOT NULL UNIQUE CHECK (number ~ '^[0-9]{9}$'),
    holder_cpr_sealed bytea NOT NULL,
    holder_cpr_index  text NOT NULL CHECK (holder_cpr_index ~ '^[0-9a-f]{64}$'),
    holder_name       text NOT NULL CHECK (char_length(holder_name) BETWEEN 1 AND 200),
    state             text NOT NULL CHECK (state IN ('pending', 'active', 'blocked', 'revoked')),
    -- The Copenhagen day it became active; a blocked NemID was active before.
    active_since      date CHECK (state <> 'pending' OR active_since IS NULL),
    -- The registration unit that issued it: the change feed and webhooks of that office carry
    -- its events.
    office_id         uuid NOT NULL REFERENCES offices (id),
    -- The first-issuance case that made it.
    case_id           uuid UNIQUE REFERENCES cases (id),
    version           integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    CHECK (state NOT IN ('active', 'blocked') OR active_since IS NOT NULL)
);
-- One person has at most one NemID that is not revoked.
CREATE UNIQUE INDEX nemids_one_per_person ON nemids (holder_cpr_index) WHERE state <> 'revoked';
CREATE INDEX nemids_holder ON nemids (holder_cpr_index);

CREATE SEQUENCE code_card_serial_seq START 10000001;

CREATE TABLE code_cards (
    serial     text PRIMARY KEY CHECK (serial ~ '^[0-9]{8}$'),
    nemid_id   uuid NOT NULL REFERENCES nemids (id),
    state      text NOT NULL CHECK (state IN ('in_transit', 'held', 'active', 'revoked')),
    issued_how text NOT NULL CHECK (issued_how IN ('handout', 'post', 'import')),
    issued_at  timestamptz NOT NULL,
    changed_at timestamptz NOT NULL
);
CREATE INDEX code_cards_nemid ON code_cards (nemid_id, issued_at);
-- At most one card of a NemID is active at a time.
CREATE UNIQUE INDEX code_cards_one_active ON code_cards (nemid_id) WHERE state = 'active';

CREATE TABLE nemid_events (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    nemid_id     uuid        NOT NULL REFERENCES nemids (id),
    seq          integer     NOT NULL CHECK (seq >= 1),
    action       text        NOT NULL CHECK (action IN ('create', 'import', 'card_posted', 'activate',
                                                         'block', 'unblock', 'revoke')),
    from_state   text        CHECK (from_state IN ('pending', 'active', 'blocked', 'revoked')),
    to_state     text        NOT NULL CHECK (to_state IN ('pending', 'active', 'blocked', 'revoked')),
    actor_sub    text        NOT NULL,
    actor_name   text        NOT NULL,
    actor_role   text        NOT NULL CHECK (actor_role IN ('clerk', 'bank', 'supervisor', 'admin')),
    actor_office text,
    -- What the change rested on (reason, card serial, identity evidence); never a CPR number.
    evidence     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    request_id   text        NOT NULL,
    occurred_at  timestamptz NOT NULL,
    feed_position bigint,
    UNIQUE (nemid_id, seq)
);
CREATE TRIGGER nemid_events_append_only BEFORE UPDATE OR DELETE ON nemid_events
    FOR EACH ROW EXECUTE FUNCTION reject_event_change();
CREATE TRIGGER nemid_events_no_truncate BEFORE TRUNCATE ON nemid_events
    FOR EACH STATEMENT EXECUTE FUNCTION reject_event_change();
CREATE TRIGGER nemid_events_feed_position BEFORE INSERT ON nemid_events
    FOR EACH ROW EXECUTE FUNCTION assign_feed_position();
ALTER TABLE nemid_events ALTER COLUMN feed_position SET NOT NULL;
CREATE UNIQUE INDEX nemid_events_feed ON nemid_events (feed_position);

CREATE FUNCTION enqueue_nemid_event_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhooks WHERE active) THEN
        RETURN NULL;
    END IF;
    INSERT INTO webhook_deliveries (webhook_id, feed_position)
    SELECT w.id, n.feed_position
    FROM new_rows n
    JOIN nemids m ON m.id = n.nemid_id
    JOIN webhooks w ON w.active AND w.deleted_at IS NULL AND (w.office_id IS NULL OR w.office_id = m.office_id)
    WHERE w.office_id IS NULL OR EXISTS (SELECT 1 FROM offices o WHERE o.id = w.office_id AND o.active);
    RETURN NULL;
END;
$$;
CREATE TRIGGER nemid_events_webhook_outbox AFTER INSERT ON nemid_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION enqueue_nemid_event_deliveries();

-- A read of a person's NemID is a revealing read.
ALTER TABLE access_log ADD COLUMN nemid_id uuid REFERENCES nemids (id);
ALTER TABLE access_log DROP CONSTRAINT access_log_subject_kind_check;
ALTER TABLE access_log ADD CONSTRAINT access_log_subject_kind_check
    CHECK (subject_kind IN ('case', 'exemption', 'nemid', 'cpr_search', 'subject_access'));
CREATE INDEX access_log_nemid ON access_log (nemid_id, id) WHERE nemid_id IS NOT NULL;
