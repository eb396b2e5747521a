-- 001_create_schemas: three non-public schemas of the stack and pgcrypto.
--
-- public belongs to the Go backend and is not touched here, except that
-- pgcrypto is installed into it (where the backend expects it).
-- gen_random_uuid() itself is built in since PostgreSQL 13 (pg_catalog), so
-- the uuid defaults below do not depend on pgcrypto.
-- Safe to re-run: every statement is IF NOT EXISTS or a comment.

CREATE SCHEMA IF NOT EXISTS ai;
CREATE SCHEMA IF NOT EXISTS blockchain;
CREATE SCHEMA IF NOT EXISTS analytics;

COMMENT ON SCHEMA ai IS 'AI service: response cache, memory facts, conversations, learning data';
COMMENT ON SCHEMA blockchain IS 'FODI token: transactions, wallets, NFT metadata, reward history';
COMMENT ON SCHEMA analytics IS 'Metrics, events and the daily_stats materialized view';

CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;
