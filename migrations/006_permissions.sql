-- 006_permissions: privileges for the application role (and, optionally, a
-- read-only role) on the ai, blockchain and analytics schemas.
--
-- The roles are read from custom settings, so the file needs no templating:
--   ops_console.app_role       read/write role. Unset or empty: current_user.
--   ops_console.readonly_role  read-only role (SELECT only). Unset or empty: none.
-- Set them for the database, for the migrating role, or for one session, e.g.
--   ALTER DATABASE mydb SET ops_console.app_role = 'fodi_app'
--   ALTER ROLE migrator SET ops_console.app_role = 'fodi_app'
--   PGOPTIONS='-c ops_console.app_role=fodi_app' ops-console migrate up ...
--   PGOPTIONS='-c ops_console.app_role=fodi_app' sqlx migrate run
-- (ALTER DATABASE / ALTER ROLE settings apply to new sessions only.)
-- A role that does not exist is skipped with a NOTICE, not an error.
--
-- The app role gets: USAGE on the schemas, SELECT/INSERT/UPDATE/DELETE on all
-- their tables and views, USAGE/SELECT on their sequences, EXECUTE on their
-- functions (including analytics.refresh_daily_stats(), revoked from PUBLIC in
-- 004), and the same on objects created later by the role running this file
-- (ALTER DEFAULT PRIVILEGES applies to objects that role creates).
-- Nothing is revoked: after switching to another role, revoke from the old
-- one by hand.
-- Safe to re-run: GRANT and ALTER DEFAULT PRIVILEGES are idempotent.

DO $do$
DECLARE
    v_app_role text := coalesce(nullif(current_setting('ops_console.app_role', true), ''), current_user);
    v_ro_role  text := nullif(current_setting('ops_console.readonly_role', true), '');
    v_schema   text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_app_role) THEN
        RAISE NOTICE 'ops_console.app_role: role % does not exist, application grants skipped', v_app_role;
    ELSE
        FOREACH v_schema IN ARRAY ARRAY['ai', 'blockchain', 'analytics'] LOOP
            EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', v_schema, v_app_role);
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', v_schema, v_app_role);
            EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', v_schema, v_app_role);
            EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %I TO %I', v_schema, v_app_role);
            EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I',
                           v_schema, v_app_role);
            EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO %I',
                           v_schema, v_app_role);
            EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT EXECUTE ON FUNCTIONS TO %I',
                           v_schema, v_app_role);
        END LOOP;
        RAISE NOTICE 'ops_console.app_role: granted to %', v_app_role;
    END IF;

    IF v_ro_role IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_ro_role) THEN
            RAISE NOTICE 'ops_console.readonly_role: role % does not exist, read-only grants skipped', v_ro_role;
        ELSE
            FOREACH v_schema IN ARRAY ARRAY['ai', 'blockchain', 'analytics'] LOOP
                EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', v_schema, v_ro_role);
                EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO %I', v_schema, v_ro_role);
                EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO %I',
                               v_schema, v_ro_role);
            END LOOP;
            RAISE NOTICE 'ops_console.readonly_role: granted to %', v_ro_role;
        END IF;
    END IF;
END;
$do$;
