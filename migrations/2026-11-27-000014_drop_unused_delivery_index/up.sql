-- The claim finds each subscription's queue head through webhook_deliveries_queue (migration 13's
-- LATERAL probe); nothing reads webhook_deliveries_due any more, and every queued delivery paid
-- for maintaining it inside the writing transaction.
DROP INDEX IF EXISTS webhook_deliveries_due;
