-- Webhook subscriptions and their outbox. A delivery row is written by a trigger in the same
-- transaction as its event, so an event that commits always has its deliveries queued and an
-- event that rolls back never does.

CREATE TABLE webhooks (
    id                         uuid PRIMARY KEY,
    -- NULL: every office's events (registered by a supervisor).
    office_id                  uuid REFERENCES offices (id),
    url                        text NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2048),
    description                text NOT NULL DEFAULT '' CHECK (char_length(description) <= 500),
    -- Signing secrets, sealed like CPR numbers (see src/vault.rs). The previous secret still
    -- signs for a while after a rotation, so receivers can switch without losing a delivery.
    secret_sealed              bytea NOT NULL,
    previous_secret_sealed     bytea,
    previous_secret_expires_at timestamptz,
    active                     boolean NOT NULL DEFAULT true,
    disabled_reason            text CHECK (char_length(disabled_reason) <= 200),
    consecutive_failures       integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    created_at                 timestamptz NOT NULL,
    created_by                 text NOT NULL CHECK (char_length(created_by) <= 200),
    updated_at                 timestamptz NOT NULL,
    updated_by                 text NOT NULL CHECK (char_length(updated_by) <= 200)
);
CREATE INDEX webhooks_office ON webhooks (office_id, created_at);

CREATE TABLE webhook_deliveries (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    webhook_id       uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    -- The event, by its place in the change feed (src/store/feed.rs).
    feed_position    bigint NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    -- Set while one server instance sends it; another instance leaves it alone until then.
    lease_until      timestamptz,
    last_attempt_at  timestamptz,
    last_status_code integer,
    last_error       text CHECK (char_length(last_error) <= 500),
    delivered_at     timestamptz,
    UNIQUE (webhook_id, feed_position)
);
-- The claim query looks for due heads of each subscription's queue.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (webhook_id, feed_position) WHERE status = 'pending';

CREATE TABLE webhook_attempts (
    delivery_id  uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt      integer NOT NULL CHECK (attempt >= 1),
    attempted_at timestamptz NOT NULL,
    status_code  integer,
    error        text CHECK (char_length(error) <= 500),
    duration_ms  integer NOT NULL CHECK (duration_ms >= 0),
    PRIMARY KEY (delivery_id, attempt)
);

-- Statement-level, over the inserted rows: a bulk load (COPY of a seed) costs one query, and
-- nothing at all while no subscription is active.
CREATE FUNCTION enqueue_case_event_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhooks WHERE active) THEN
        RETURN NULL;
    END IF;
    INSERT INTO webhook_deliveries (webhook_id, feed_position)
    SELECT w.id, n.feed_position
    FROM new_rows n
    JOIN cases c ON c.id = n.case_id
    JOIN webhooks w ON w.active AND (w.office_id IS NULL OR w.office_id = c.office_id);
    RETURN NULL;
END;
$$;

CREATE FUNCTION enqueue_exemption_event_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhooks WHERE active) THEN
        RETURN NULL;
    END IF;
    INSERT INTO webhook_deliveries (webhook_id, feed_position)
    SELECT w.id, n.feed_position
    FROM new_rows n
    JOIN exemptions x ON x.id = n.exemption_id
    JOIN webhooks w ON w.active AND (w.office_id IS NULL OR w.office_id = x.office_id);
    RETURN NULL;
END;
$$;

CREATE TRIGGER case_events_webhook_outbox AFTER INSERT ON case_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION enqueue_case_event_deliveries();
CREATE TRIGGER exemption_events_webhook_outbox AFTER INSERT ON exemption_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION enqueue_exemption_event_deliveries();
