-- The change feed's order. Every event gets its feed position from one counter row, taken in
-- the event's own transaction: the row stays locked until that transaction ends, so positions
-- are handed out in commit order and a reader who has seen position n can never later find an
-- event below n (see src/store/feed.rs). The price: event-writing transactions queue briefly on
-- that row at their end.
CREATE TABLE feed_counter (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last      bigint  NOT NULL
);
INSERT INTO feed_counter (last) VALUES (0);

ALTER TABLE case_events ADD COLUMN feed_position bigint;
ALTER TABLE exemption_events ADD COLUMN feed_position bigint;

-- Events written before this migration get positions in the order they happened.
ALTER TABLE case_events DISABLE TRIGGER case_events_append_only;
ALTER TABLE exemption_events DISABLE TRIGGER exemption_events_append_only;
CREATE TEMP TABLE feed_backfill ON COMMIT DROP AS
    SELECT kind, id, row_number() OVER (ORDER BY occurred_at, kind, id) AS n
    FROM (SELECT 'case' AS kind, id, occurred_at FROM case_events
          UNION ALL SELECT 'exemption', id, occurred_at FROM exemption_events) u;
UPDATE case_events e SET feed_position = b.n FROM feed_backfill b WHERE b.kind = 'case' AND b.id = e.id;
UPDATE exemption_events e SET feed_position = b.n FROM feed_backfill b WHERE b.kind = 'exemption' AND b.id = e.id;
UPDATE feed_counter SET last = (SELECT count(*) FROM feed_backfill);
ALTER TABLE case_events ENABLE TRIGGER case_events_append_only;
ALTER TABLE exemption_events ENABLE TRIGGER exemption_events_append_only;

CREATE FUNCTION assign_feed_position() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.feed_position IS NULL THEN
        UPDATE feed_counter SET last = last + 1 RETURNING last INTO NEW.feed_position;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER case_events_feed_position BEFORE INSERT ON case_events
    FOR EACH ROW EXECUTE FUNCTION assign_feed_position();
CREATE TRIGGER exemption_events_feed_position BEFORE INSERT ON exemption_events
    FOR EACH ROW EXECUTE FUNCTION assign_feed_position();

ALTER TABLE case_events ALTER COLUMN feed_position SET NOT NULL;
ALTER TABLE exemption_events ALTER COLUMN feed_position SET NOT NULL;
CREATE UNIQUE INDEX case_events_feed ON case_events (feed_position);
CREATE UNIQUE INDEX exemption_events_feed ON exemption_events (feed_position);
