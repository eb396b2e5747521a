-- 005_functions: maintenance and trigger functions.
--
-- ai.cleanup_expired_cache() deletes expired ai.cache_entries rows and returns
-- how many it deleted (integer). It runs with the rights of the caller (the
-- application role has DELETE on the table, see 006).
-- ai.touch_updated_at() is a BEFORE UPDATE trigger function that sets
-- updated_at to now(). It is attached to ai.memory_facts and
-- blockchain.nft_metadata.
-- analytics.refresh_daily_stats() is in 004, next to its view.
--
-- Every function pins search_path to pg_catalog, pg_temp and names the
-- objects of the stack with their schema, so no search_path of a caller can
-- redirect it.
-- Safe to re-run: CREATE OR REPLACE FUNCTION, and DROP TRIGGER IF EXISTS before
-- each CREATE TRIGGER (CREATE OR REPLACE TRIGGER needs PostgreSQL 14).

CREATE OR REPLACE FUNCTION ai.cleanup_expired_cache()
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_deleted integer;
BEGIN
    DELETE FROM ai.cache_entries WHERE expires_at < now();
    GET DIAGNOSTICS v_deleted = ROW_COUNT;
    RETURN v_deleted;
END;
$fn$;

COMMENT ON FUNCTION ai.cleanup_expired_cache() IS
    'Deletes ai.cache_entries rows whose expires_at has passed and returns how many were deleted.';

CREATE OR REPLACE FUNCTION ai.touch_updated_at()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$fn$;

COMMENT ON FUNCTION ai.touch_updated_at() IS
    'BEFORE UPDATE trigger function: sets NEW.updated_at to now().';

DROP TRIGGER IF EXISTS memory_facts_touch_updated_at ON ai.memory_facts;
CREATE TRIGGER memory_facts_touch_updated_at
    BEFORE UPDATE ON ai.memory_facts
    FOR EACH ROW EXECUTE FUNCTION ai.touch_updated_at();

DROP TRIGGER IF EXISTS nft_metadata_touch_updated_at ON blockchain.nft_metadata;
CREATE TRIGGER nft_metadata_touch_updated_at
    BEFORE UPDATE ON blockchain.nft_metadata
    FOR EACH ROW EXECUTE FUNCTION ai.touch_updated_at();
