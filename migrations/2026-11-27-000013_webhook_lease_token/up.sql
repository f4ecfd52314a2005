-- Each claim of a delivery gets its own token. Recording an attempt, or giving a delivery up,
-- requires the token of the claim that sent it: a worker whose lease ran out (stalled for longer
-- than the lease) can no longer overwrite what the instance that took the delivery over recorded.
ALTER TABLE webhook_deliveries ADD COLUMN lease_token uuid;
