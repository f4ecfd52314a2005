-- Idempotency records hold answers only: a request in flight holds its key by an advisory lock
-- in its own transaction (src/http/idempotency.rs), so no "claimed" row can outlive a crash.
-- Claims left by the earlier scheme are dropped: their requests never answered.
DELETE FROM idempotency_keys WHERE status_code IS NULL OR response_body IS NULL;
ALTER TABLE idempotency_keys ALTER COLUMN status_code SET NOT NULL;
ALTER TABLE idempotency_keys ALTER COLUMN response_body SET NOT NULL;
