-- Undoes 000019. Refused once online cases, the online office or online orders exist: they have no
-- place in the earlier schema, and the orders are the fraud-review record.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM cases WHERE kind = 'online') OR EXISTS (SELECT 1 FROM offices WHERE kind = 'online_service')
       OR EXISTS (SELECT 1 FROM online_orders) THEN
        RAISE EXCEPTION 'online cases, an online-service office or online orders (the fraud-review record) exist; the earlier schema cannot keep them';
    END IF;
END;
$$;
DROP TABLE dev_identity_documents;
DROP TABLE dev_cpr_register;
DROP TABLE online_orders;
ALTER TABLE nemid_events DROP CONSTRAINT nemid_events_actor_role_check;
ALTER TABLE nemid_events ADD CONSTRAINT nemid_events_actor_role_check
    CHECK (actor_role IN ('clerk', 'bank', 'supervisor', 'admin'));
DROP INDEX cases_nemid_number_key;
CREATE UNIQUE INDEX cases_nemid_number_key ON cases (nemid_number) WHERE kind IN ('standard', 'express');
ALTER TABLE cases DROP CONSTRAINT cases_online_kind_iff_channel;
ALTER TABLE cases DROP CONSTRAINT cases_channel_check;
ALTER TABLE cases ADD CONSTRAINT cases_channel_check CHECK (channel IN ('desk', 'bank'));
ALTER TABLE cases DROP CONSTRAINT cases_kind_check;
ALTER TABLE cases ADD CONSTRAINT cases_kind_check
    CHECK (kind IN ('standard', 'express', 'replacement_card', 'new_password'));
ALTER TABLE offices DROP CONSTRAINT offices_kind_check;
ALTER TABLE offices ADD CONSTRAINT offices_kind_check CHECK (kind IN ('citizen_service_centre', 'bank_branch'));

CREATE OR REPLACE FUNCTION case_events_keep_daily_activity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d date := (NEW.occurred_at AT TIME ZONE 'Europe/Copenhagen')::date;
    o uuid;
    k text;
BEGIN
    IF NEW.action IN ('anonymise', 'postal-block') THEN
        RETURN NULL;
    END IF;
    SELECT office_id, kind INTO o, k FROM cases WHERE id = NEW.case_id;
    INSERT INTO daily_activity AS a (day, office_id, opened, identity_verified, first_half_issued,
            second_half_posted, completed_standard, completed_express, returned, cancelled, rejected,
            opened_replacement_card, opened_new_password, completed_replacement_card, completed_new_password)
    VALUES (d, o,
            (NEW.action = 'open')::int, (NEW.action = 'identity-check')::int, (NEW.action = 'first-half')::int,
            (NEW.action IN ('second-half', 'post-both'))::int,
            (NEW.action IN ('activation', 'collect') AND k = 'standard')::int,
            (NEW.action = 'issue-in-full')::int,
            (NEW.action = 'returned')::int, (NEW.action = 'cancel')::int, (NEW.action = 'reject')::int,
            (NEW.action = 'open' AND k = 'replacement_card')::int, (NEW.action = 'open' AND k = 'new_password')::int,
            (k = 'replacement_card' AND NEW.action IN ('card-handout', 'activation', 'collect'))::int,
            (NEW.action = 'password-handout')::int)
    ON CONFLICT (day, office_id) DO UPDATE SET
        opened = a.opened + EXCLUDED.opened,
        identity_verified = a.identity_verified + EXCLUDED.identity_verified,
        first_half_issued = a.first_half_issued + EXCLUDED.first_half_issued,
        second_half_posted = a.second_half_posted + EXCLUDED.second_half_posted,
        completed_standard = a.completed_standard + EXCLUDED.completed_standard,
        completed_express = a.completed_express + EXCLUDED.completed_express,
        returned = a.returned + EXCLUDED.returned,
        cancelled = a.cancelled + EXCLUDED.cancelled,
        rejected = a.rejected + EXCLUDED.rejected,
        opened_replacement_card = a.opened_replacement_card + EXCLUDED.opened_replacement_card,
        opened_new_password = a.opened_new_password + EXCLUDED.opened_new_password,
        completed_replacement_card = a.completed_replacement_card + EXCLUDED.completed_replacement_card,
        completed_new_password = a.completed_new_password + EXCLUDED.completed_new_password;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION rebuild_report_summaries() RETURNS void LANGUAGE sql AS $$
    DELETE FROM daily_durations;
    INSERT INTO daily_durations (day, office_id, kind, opened_to_first_half, posted_to_completed,
            express_opened_to_completed, posted_completed, completed_within_window)
        SELECT (completed_at AT TIME ZONE 'Europe/Copenhagen')::date, office_id, kind,
               coalesce(string_agg(float8send(extract(epoch FROM first_half_issued_at - opened_at)::float8), ''::bytea)
                   FILTER (WHERE kind = 'standard'), ''::bytea),
               coalesce(string_agg(float8send(extract(epoch FROM completed_at - second_half_posted_at)::float8), ''::bytea)
                   FILTER (WHERE kind = 'standard'), ''::bytea),
               coalesce(string_agg(float8send(extract(epoch FROM completed_at - opened_at)::float8), ''::bytea)
                   FILTER (WHERE kind = 'express'), ''::bytea),
               count(*) FILTER (WHERE second_half_posted_at IS NOT NULL),
               count(*) FILTER (WHERE second_half_posted_at IS NOT NULL
                   AND (completed_at AT TIME ZONE 'Europe/Copenhagen')::date <= second_half_expected_by)
        FROM cases WHERE status = 'completed' AND kind IN ('standard', 'express')
        GROUP BY 1, 2, 3;
    DELETE FROM case_status_counts;
    INSERT INTO case_status_counts (office_id, kind, channel, status, n)
        SELECT office_id, kind, channel, status, count(*) FROM cases GROUP BY 1, 2, 3, 4;
    DELETE FROM daily_activity;
    INSERT INTO daily_activity (day, office_id, opened, identity_verified, first_half_issued,
            second_half_posted, completed_standard, completed_express, returned, cancelled, rejected,
            opened_replacement_card, opened_new_password, completed_replacement_card, completed_new_password)
        SELECT (e.occurred_at AT TIME ZONE 'Europe/Copenhagen')::date, c.office_id,
               count(*) FILTER (WHERE e.action = 'open'),
               count(*) FILTER (WHERE e.action = 'identity-check'),
               count(*) FILTER (WHERE e.action = 'first-half'),
               count(*) FILTER (WHERE e.action IN ('second-half', 'post-both')),
               count(*) FILTER (WHERE e.action IN ('activation', 'collect') AND c.kind = 'standard'),
               count(*) FILTER (WHERE e.action = 'issue-in-full'),
               count(*) FILTER (WHERE e.action = 'returned'),
               count(*) FILTER (WHERE e.action = 'cancel'),
               count(*) FILTER (WHERE e.action = 'reject'),
               count(*) FILTER (WHERE e.action = 'open' AND c.kind = 'replacement_card'),
               count(*) FILTER (WHERE e.action = 'open' AND c.kind = 'new_password'),
               count(*) FILTER (WHERE e.action IN ('card-handout', 'activation', 'collect') AND c.kind = 'replacement_card'),
               count(*) FILTER (WHERE e.action = 'password-handout')
        FROM case_events e JOIN cases c ON c.id = e.case_id
        WHERE e.action NOT IN ('anonymise', 'postal-block')
        GROUP BY 1, 2;
$$;


ALTER TABLE daily_activity DROP COLUMN opened_online;
ALTER TABLE daily_activity DROP COLUMN completed_online;
