-- Undoes 000021: positions from the bare transaction id again (any base is lost).
CREATE OR REPLACE FUNCTION assign_feed_position() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    IF NEW.feed_position IS NULL THEN
        n := coalesce(nullif(current_setting('nemid.feed_n', true), ''), '0')::bigint + 1;
        IF n >= 16777216 THEN
            RAISE EXCEPTION 'a transaction may write at most 16777215 events';
        END IF;
        PERFORM set_config('nemid.feed_n', n::text, true);
        NEW.feed_position := (pg_current_xact_id()::text::bigint << 24) | n;
    END IF;
    RETURN NEW;
END;
$$;
CREATE OR REPLACE FUNCTION feed_horizon() RETURNS bigint LANGUAGE sql STABLE AS $$
    WITH s AS (SELECT pg_current_snapshot() AS snap),
         elsewhere AS (
             SELECT a.backend_xid::text::bigint AS xid FROM pg_stat_get_activity(NULL::integer) a
             WHERE a.backend_xid IS NOT NULL
               AND a.datid IS DISTINCT FROM (SELECT oid FROM pg_database WHERE datname = current_database()))
    SELECT least(pg_snapshot_xmax(s.snap)::text::bigint,
                 (SELECT min(r.x) FROM (SELECT x::text::bigint AS x FROM pg_snapshot_xip(s.snap) x) r
                  WHERE (r.x & 4294967295) NOT IN (SELECT xid FROM elsewhere))) << 24
    FROM s
$$;
DROP FUNCTION feed_align();
DROP FUNCTION feed_prefix();
DROP TABLE feed_base;
