DROP TRIGGER exemption_events_feed_position ON exemption_events;
DROP TRIGGER case_events_feed_position ON case_events;
DROP FUNCTION assign_feed_position();
ALTER TABLE exemption_events DROP COLUMN feed_position;
ALTER TABLE case_events DROP COLUMN feed_position;
DROP TABLE feed_counter;
