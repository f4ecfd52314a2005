-- The change feed's positions survive a restore into another server (issue 23, review of
-- migration 20). Migration 20 made a position (transaction id << 24) | n; transaction ids belong
-- to the server, so a database restored elsewhere would number new events below the positions
-- its consumers have seen. Positions are now ((transaction id + feed_base) << 24) | n, and an id
-- that would overflow the shift is refused instead of wrapping around.

-- Transaction ids belong to the server, not to the database: a database restored into another
-- server (pg_dump / pg_restore) starts again at small ids, below the positions its consumers
-- have already seen. `feed_base` is added to the id, and `feed_align()` (run by `migrate` and at
-- every start, before anything is served) raises it until new positions lie above every
-- position the database holds. Positions already handed out (1 … n from the counter) stay as
-- they are.
CREATE TABLE feed_base (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    base      bigint  NOT NULL CHECK (base >= 0)
);
INSERT INTO feed_base (base) VALUES (0);

-- The position prefix of the current transaction: (transaction id + base) << 24. Refuses ids
-- that would not fit a bigint once shifted (2^39), instead of wrapping around.
CREATE FUNCTION feed_prefix() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    id bigint := pg_current_xact_id()::text::bigint + (SELECT base FROM feed_base);
BEGIN
    IF id >= 549755813888 THEN
        RAISE EXCEPTION 'feed positions are exhausted: transaction id + feed_base reached 2^39';
    END IF;
    RETURN id << 24;
END;
$$;

-- Raises feed_base so that this and every later transaction's positions lie above every
-- position already stored. Run before serving (after a restore), not under concurrent writers.
CREATE FUNCTION feed_align() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    top bigint := coalesce(greatest((SELECT max(feed_position) FROM case_events),
                                    (SELECT max(feed_position) FROM exemption_events),
                                    (SELECT max(feed_position) FROM nemid_events)), 0) >> 24;
    id bigint := pg_current_xact_id()::text::bigint;
    b bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(7423002);
    UPDATE feed_base SET base = top + 1 - id WHERE base < top + 1 - id;
    SELECT base INTO b FROM feed_base;
    RETURN b;
END;
$$;
SELECT feed_align();

-- The first event of a transaction computes its prefix once; the rest reuse it.
CREATE OR REPLACE FUNCTION assign_feed_position() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
    prefix bigint;
BEGIN
    IF NEW.feed_position IS NULL THEN
        -- The prefix and the count live in transaction-local settings: no row written, nothing
        -- locked, both gone when the transaction ends.
        n := coalesce(nullif(current_setting('nemid.feed_n', true), ''), '0')::bigint + 1;
        IF n >= 16777216 THEN
            RAISE EXCEPTION 'a transaction may write at most 16777215 events';
        END IF;
        IF n = 1 THEN
            prefix := feed_prefix();
            PERFORM set_config('nemid.feed_prefix', prefix::text, true);
        ELSE
            prefix := current_setting('nemid.feed_prefix')::bigint;
        END IF;
        PERFORM set_config('nemid.feed_n', n::text, true);
        NEW.feed_position := prefix | n;
    END IF;
    RETURN NEW;
END;
$$;

-- The horizon in the same terms as the positions.
CREATE OR REPLACE FUNCTION feed_horizon() RETURNS bigint LANGUAGE sql STABLE AS $$
    WITH s AS (SELECT pg_current_snapshot() AS snap),
         elsewhere AS (
             SELECT a.backend_xid::text::bigint AS xid FROM pg_stat_get_activity(NULL::integer) a
             WHERE a.backend_xid IS NOT NULL
               AND a.datid IS DISTINCT FROM (SELECT oid FROM pg_database WHERE datname = current_database()))
    SELECT (least(pg_snapshot_xmax(s.snap)::text::bigint,
                  (SELECT min(r.x) FROM (SELECT x::text::bigint AS x FROM pg_snapshot_xip(s.snap) x) r
                   WHERE (r.x & 4294967295) NOT IN (SELECT xid FROM elsewhere)))
            + (SELECT base FROM feed_base)) << 24
    FROM s
$$;
