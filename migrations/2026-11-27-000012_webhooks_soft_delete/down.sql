CREATE OR REPLACE FUNCTION enqueue_case_event_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE OR REPLACE FUNCTION enqueue_exemption_event_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
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
DELETE FROM webhooks WHERE deleted_at IS NOT NULL;
ALTER TABLE webhooks DROP COLUMN deleted_at;
