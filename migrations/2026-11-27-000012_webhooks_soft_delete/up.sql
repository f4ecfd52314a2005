-- Deleting a webhook is a soft delete (`deleted_at`), purged a day later by retention. A hard
-- DELETE raced with event transactions: their outbox trigger inserts deliveries referencing the
-- webhook, and once the DELETE committed, that foreign-key check failed the event's transaction
-- (an unrelated case action answered 500). A soft-deleted webhook is inactive, so nothing new is
-- queued for it; rows queued just before still find it.
ALTER TABLE webhooks ADD COLUMN deleted_at timestamptz;

-- Queue deliveries only for active, undeleted subscriptions of active offices (a deactivated
-- office's integrations receive nothing, as its staff can no longer sign in).
CREATE OR REPLACE FUNCTION enqueue_case_event_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhooks WHERE active) THEN
        RETURN NULL;
    END IF;
    INSERT INTO webhook_deliveries (webhook_id, feed_position)
    SELECT w.id, n.feed_position
    FROM new_rows n
    JOIN cases c ON c.id = n.case_id
    JOIN webhooks w ON w.active AND w.deleted_at IS NULL AND (w.office_id IS NULL OR w.office_id = c.office_id)
    WHERE w.office_id IS NULL OR EXISTS (SELECT 1 FROM offices o WHERE o.id = w.office_id AND o.active);
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION enqueue_exemption_event_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhooks WHERE active) THEN
        RETURN NULL;
    END IF;
    INSERT INTO webhook_deliveries (webhook_id, feed_position)
    SELECT w.id, n.feed_position
    FROM new_rows n
    JOIN exemptions x ON x.id = n.exemption_id
    JOIN webhooks w ON w.active AND w.deleted_at IS NULL AND (w.office_id IS NULL OR w.office_id = x.office_id)
    WHERE w.office_id IS NULL OR EXISTS (SELECT 1 FROM offices o WHERE o.id = w.office_id AND o.active);
    RETURN NULL;
END;
$$;
