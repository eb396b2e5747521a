-- 004_analytics_tables: analytics.metrics, analytics.events, the
-- analytics.daily_stats materialized view and analytics.refresh_daily_stats().
--
-- daily_stats has one row per UTC day and event type. day is computed as
-- (created_at AT TIME ZONE 'UTC')::date, so it does not depend on the session
-- TimeZone. The unique index daily_stats_day_event_type_idx (plain columns,
-- no WHERE, covers every row) is what REFRESH ... CONCURRENTLY needs, and the
-- view is created WITH DATA (populated), which CONCURRENTLY needs too.
--
-- refresh_daily_stats() lives here, next to the view it refreshes. It is
-- SECURITY DEFINER because REFRESH needs ownership of the view (or MAINTAIN,
-- which only exists from PostgreSQL 17): the application role calls it
-- without owning anything. EXECUTE is revoked from PUBLIC here and granted to
-- the application role by 006.
-- Safe to re-run: IF NOT EXISTS, CREATE OR REPLACE, REVOKE and COMMENT.

CREATE TABLE IF NOT EXISTS analytics.metrics (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    metric_name varchar(100)     NOT NULL,
    value       double precision NOT NULL,
    labels      jsonb,
    recorded_at timestamptz      NOT NULL DEFAULT now(),
    CONSTRAINT metrics_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS metrics_metric_name_recorded_at_idx ON analytics.metrics (metric_name, recorded_at);
CREATE INDEX IF NOT EXISTS metrics_recorded_at_idx ON analytics.metrics (recorded_at);
CREATE INDEX IF NOT EXISTS metrics_labels_gin ON analytics.metrics USING gin (labels);

CREATE TABLE IF NOT EXISTS analytics.events (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    event_type  varchar(100) NOT NULL,
    user_id     uuid,
    business_id uuid,
    event_data  jsonb        NOT NULL,
    created_at  timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT events_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS events_event_type_created_at_idx ON analytics.events (event_type, created_at);
CREATE INDEX IF NOT EXISTS events_user_id_idx ON analytics.events (user_id);
CREATE INDEX IF NOT EXISTS events_business_id_idx ON analytics.events (business_id);
CREATE INDEX IF NOT EXISTS events_created_at_idx ON analytics.events (created_at);
CREATE INDEX IF NOT EXISTS events_event_data_gin ON analytics.events USING gin (event_data);

CREATE MATERIALIZED VIEW IF NOT EXISTS analytics.daily_stats AS
SELECT (e.created_at AT TIME ZONE 'UTC')::date AS day,
       e.event_type,
       count(*) AS event_count,
       count(DISTINCT e.user_id) AS unique_users
FROM analytics.events AS e
GROUP BY 1, 2
WITH DATA;

CREATE UNIQUE INDEX IF NOT EXISTS daily_stats_day_event_type_idx ON analytics.daily_stats (day, event_type);

COMMENT ON MATERIALIZED VIEW analytics.daily_stats IS
    'Events per UTC day and event type, with distinct users. Refresh with analytics.refresh_daily_stats().';

CREATE OR REPLACE FUNCTION analytics.refresh_daily_stats()
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    REFRESH MATERIALIZED VIEW CONCURRENTLY analytics.daily_stats;
END;
$fn$;

REVOKE ALL ON FUNCTION analytics.refresh_daily_stats() FROM PUBLIC;

COMMENT ON FUNCTION analytics.refresh_daily_stats() IS
    'Refreshes analytics.daily_stats concurrently (readers are not blocked). Runs as the view''s owner.';
