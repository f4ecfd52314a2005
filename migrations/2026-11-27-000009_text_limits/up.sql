-- Every text column has a bound in the database too, not only in the API (issue 8): a value
-- that slipped past validation can never grow a row without limit. Existing rows are checked
-- once, while the migration holds its lock (values come from validated tokens and requests).

ALTER TABLE access_log ADD CONSTRAINT access_log_actor_name_length CHECK (char_length(actor_name) <= 200);
ALTER TABLE access_log ADD CONSTRAINT access_log_actor_office_length CHECK (char_length(actor_office) <= 32);
ALTER TABLE access_log ADD CONSTRAINT access_log_actor_sub_length CHECK (char_length(actor_sub) <= 200);
ALTER TABLE access_log ADD CONSTRAINT access_log_endpoint_length CHECK (char_length(endpoint) <= 200);
ALTER TABLE access_log ADD CONSTRAINT access_log_request_id_length CHECK (char_length(request_id) <= 64);
ALTER TABLE case_events ADD CONSTRAINT case_events_actor_name_length CHECK (char_length(actor_name) <= 200);
ALTER TABLE case_events ADD CONSTRAINT case_events_actor_office_length CHECK (char_length(actor_office) <= 32);
ALTER TABLE case_events ADD CONSTRAINT case_events_actor_sub_length CHECK (char_length(actor_sub) <= 200);
ALTER TABLE case_events ADD CONSTRAINT case_events_request_id_length CHECK (char_length(request_id) <= 64);
ALTER TABLE cases ADD CONSTRAINT cases_case_number_length CHECK (char_length(case_number) <= 64);
ALTER TABLE exemption_events ADD CONSTRAINT exemption_events_actor_name_length CHECK (char_length(actor_name) <= 200);
ALTER TABLE exemption_events ADD CONSTRAINT exemption_events_actor_office_length CHECK (char_length(actor_office) <= 32);
ALTER TABLE exemption_events ADD CONSTRAINT exemption_events_actor_sub_length CHECK (char_length(actor_sub) <= 200);
ALTER TABLE exemption_events ADD CONSTRAINT exemption_events_request_id_length CHECK (char_length(request_id) <= 64);
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_actor_sub_length CHECK (char_length(actor_sub) <= 200);
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_etag_length CHECK (char_length(etag) <= 24);
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_fingerprint_length CHECK (char_length(fingerprint) <= 1000);
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_key_length CHECK (char_length(key) <= 255);
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_location_length CHECK (char_length(location) <= 300);
ALTER TABLE offices ADD CONSTRAINT offices_created_by_length CHECK (char_length(created_by) <= 200);
ALTER TABLE offices ADD CONSTRAINT offices_updated_by_length CHECK (char_length(updated_by) <= 200);
