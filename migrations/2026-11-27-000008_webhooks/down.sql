DROP TRIGGER exemption_events_webhook_outbox ON exemption_events;
DROP TRIGGER case_events_webhook_outbox ON case_events;
DROP FUNCTION enqueue_exemption_event_deliveries();
DROP FUNCTION enqueue_case_event_deliveries();
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
