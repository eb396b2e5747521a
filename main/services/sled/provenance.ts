/**
 * Where every loaded (or deliberately skipped) Sled entry is recorded in
 * PostgreSQL, in the same transaction as its row: schema sled_import.
 *
 *   provenance  one row per Sled key (source, tree, sled_key): the import and
 *               staged entry it came from, the target table and row id
 *               ('loaded') or the reason it did not become a row ('skipped').
 *               Its primary key is what makes a load exactly-once: an entry
 *               whose key is already recorded is never written again.
 *   loads       one row per load run: who ran it, when, what it wrote (the
 *               counters are updated inside each batch's transaction, so they
 *               are exact even when a run is killed).
 *
 * The staging database's outcomes are a cache of this table: they are
 * updated after each COMMIT and re-synced from it at the start of every load.
 */
import type pg from 'pg';
import { OpsError } from '../../../common/errors';
import type { StagingDb } from './staging-db';
import { describeHolder, holdsLockSql, lockHolder, type SessionChangeWords } from '../migrations/lock';

export const PROVENANCE_SCHEMA = 'sled_import';

const DDL = `
CREATE SCHEMA IF NOT EXISTS sled_import;
COMMENT ON SCHEMA sled_import IS 'ops-console: provenance of the rows loaded from the legacy Sled databases';
CREATE TABLE IF NOT EXISTS sled_import.provenance (
    source       text        NOT NULL,
    tree         text        NOT NULL,
    sled_key     bytea       NOT NULL,
    import_id    text        NOT NULL,
    entry_id     bigint      NOT NULL,
    target_table text        NOT NULL,
    target_id    bigint,
    outcome      text        NOT NULL,
    reason       text,
    loaded_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT provenance_pkey PRIMARY KEY (source, tree, sled_key),
    CONSTRAINT provenance_outcome_check CHECK (outcome IN ('loaded', 'skipped')),
    CONSTRAINT provenance_target_id_check CHECK ((outcome = 'loaded') = (target_id IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS provenance_import_id_idx ON sled_import.provenance (import_id, entry_id);
CREATE UNIQUE INDEX IF NOT EXISTS provenance_target_idx ON sled_import.provenance (target_table, target_id)
    WHERE outcome = 'loaded';
CREATE TABLE IF NOT EXISTS sled_import.loads (
    id               bigint GENERATED ALWAYS AS IDENTITY,
    import_id        text        NOT NULL,
    target           text        NOT NULL,
    started_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz,
    outcome          text        NOT NULL DEFAULT 'running',
    pid              integer     NOT NULL DEFAULT pg_backend_pid(),
    application_name text        NOT NULL DEFAULT current_setting('application_name'),
    loaded           bigint      NOT NULL DEFAULT 0,
    skipped          bigint      NOT NULL DEFAULT 0,
    failed           bigint      NOT NULL DEFAULT 0,
    wallets_updated  bigint      NOT NULL DEFAULT 0,
    CONSTRAINT loads_pkey PRIMARY KEY (id),
    CONSTRAINT loads_outcome_check CHECK (outcome IN ('running', 'done', 'failed', 'cancelled'))
);
CREATE INDEX IF NOT EXISTS loads_import_id_idx ON sled_import.loads (import_id);
`;

/**
 * Creates sled_import (idempotent). Call while holding the load lock, so two
 * sessions never race on CREATE … IF NOT EXISTS.
 */
export async function ensureProvenance(client: pg.ClientBase, target: string): Promise<void> {
  try {
    await client.query(DDL);
  } catch (error) {
    const e = error as { code?: string; message?: string };
    if (e.code === '42501') {
      throw new OpsError('conflict', `This role may not create the ${PROVENANCE_SCHEMA} schema on ${target}`, {
        hint: `A load records where each row came from in ${PROVENANCE_SCHEMA}. Load as a role with CREATE on the database, or have its owner run the load once.`,
        detail: e.message,
      });
    }
    throw error;
  }
}

/** Whether sled_import.provenance exists (plans and reports read it, never create it). */
export async function provenanceExists(client: pg.ClientBase): Promise<boolean> {
  const result = await client.query<{ present: boolean }>(
    "SELECT to_regclass('sled_import.provenance') IS NOT NULL AND to_regclass('sled_import.loads') IS NOT NULL AS present",
  );
  return result.rows[0]?.present === true;
}

/** The session advisory lock every load takes: one load at a time per database ('sledload'). */
export const LOAD_LOCK_KEY = 0x736c65646c6f6164n;

export async function takeLoadLock(client: pg.ClientBase, target: string): Promise<void> {
  const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [
    LOAD_LOCK_KEY.toString(),
  ]);
  if (result.rows[0]?.locked === true) return;
  const holder = await lockHolder(client, LOAD_LOCK_KEY);
  throw new OpsError('conflict', `Another Sled load is running on ${target}: ${describeHolder(holder)}`, {
    hint:
      'Wait for it to finish (or cancel it), then load again; it is safe to re-run a load.' +
      (holder
        ? ` If no load is running (a load made through a transaction pooler leaves its lock with the pooler's session), SELECT pg_terminate_backend(${holder.pid}) ends the session that holds it.`
        : ''),
  });
}

/** Run at the start of every batch's transaction: its one row says whether this session holds the load lock. */
export const HOLDS_LOAD_LOCK_SQL = holdsLockSql(LOAD_LOCK_KEY);

/** What a load says when its batch would run in another session than its lock's (sessionChangedError). */
export function loadSessionWords(target: string): SessionChangeWords {
  return {
    target,
    next: "the load's next batch",
    work: 'a load',
    goOn: 'Load through a direct connection to the database, not through the pooler: the load resumes where it stopped, and nothing it loaded is loaded again.',
  };
}

export async function releaseLoadLock(client: pg.ClientBase): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1::bigint)', [LOAD_LOCK_KEY.toString()]);
}

export async function startLoadRun(client: pg.ClientBase, importId: string, target: string): Promise<string> {
  const result = await client.query<{ id: string }>(
    'INSERT INTO sled_import.loads (import_id, target) VALUES ($1, $2) RETURNING id',
    [importId, target],
  );
  return result.rows[0]!.id;
}

export async function finishLoadRun(
  client: pg.ClientBase,
  runId: string,
  outcome: 'done' | 'failed' | 'cancelled',
): Promise<void> {
  await client.query('UPDATE sled_import.loads SET finished_at = now(), outcome = $2 WHERE id = $1', [runId, outcome]);
}

/** Inside an isolated batch's transaction: the entries PostgreSQL refused (the statement counts the rest). */
export async function countFailed(client: pg.ClientBase, runId: string, failed: number): Promise<void> {
  if (failed === 0) return;
  await client.query('UPDATE sled_import.loads SET failed = failed + $2 WHERE id = $1', [runId, failed]);
}

const SYNC_PAGE = 50_000;

/**
 * Makes the staging outcomes of loadable entries (a record, no problem) what
 * sled_import.provenance says for this import: recorded entries take its
 * outcome, reason and row id; every other one becomes 'pending' again (a kill
 * between COMMIT and the SQLite update, an entry PostgreSQL refused last time,
 * or a load into another database). Returns how many entries changed.
 */
export async function syncOutcomesFromProvenance(
  staging: StagingDb,
  client: pg.ClientBase,
  importId: string,
): Promise<number> {
  const db = staging.db;
  db.exec(
    'CREATE TEMP TABLE IF NOT EXISTS provenance_sync (entry_id INTEGER PRIMARY KEY, outcome TEXT NOT NULL, reason TEXT, target_id INTEGER)',
  );
  db.exec('DELETE FROM provenance_sync');
  const insert = db.prepare(
    'INSERT OR REPLACE INTO provenance_sync (entry_id, outcome, reason, target_id) VALUES (?, ?, ?, ?)',
  );
  const addPage = db.transaction(
    (rows: ReadonlyArray<{ entry_id: string; outcome: string; reason: string | null; target_id: string | null }>) => {
      for (const r of rows)
        insert.run(Number(r.entry_id), r.outcome, r.reason, r.target_id === null ? null : Number(r.target_id));
    },
  );
  let after = '0';
  for (;;) {
    const page = await client.query<{
      entry_id: string;
      outcome: string;
      reason: string | null;
      target_id: string | null;
    }>(
      `SELECT entry_id, outcome, reason, target_id FROM sled_import.provenance
        WHERE import_id = $1 AND entry_id > $2 ORDER BY entry_id LIMIT ${SYNC_PAGE}`,
      [importId, after],
    );
    if (page.rows.length === 0) break;
    addPage(page.rows);
    after = page.rows[page.rows.length - 1]!.entry_id;
    if (page.rows.length < SYNC_PAGE) break;
  }
  const apply = db.transaction(() => {
    const recorded = db
      .prepare(
        `UPDATE entries SET outcome = p.outcome, outcome_reason = p.reason, target_id = p.target_id
           FROM provenance_sync p
          WHERE entries.id = p.entry_id
            AND (entries.outcome IS NOT p.outcome OR entries.outcome_reason IS NOT p.reason OR entries.target_id IS NOT p.target_id)`,
      )
      .run().changes;
    const reset = db
      .prepare(
        `UPDATE entries SET outcome = 'pending', outcome_reason = NULL, target_id = NULL
          WHERE record IS NOT NULL AND problem IS NULL AND outcome <> 'pending'
            AND id NOT IN (SELECT entry_id FROM provenance_sync)`,
      )
      .run().changes;
    return recorded + reset;
  });
  try {
    return apply();
  } finally {
    db.exec('DROP TABLE IF EXISTS provenance_sync');
  }
}

/** No provenance on the target at all (a first load, or another database): every loadable entry is pending. */
export function syncOutcomesWithoutProvenance(staging: StagingDb): number {
  return staging.db
    .prepare(
      `UPDATE entries SET outcome = 'pending', outcome_reason = NULL, target_id = NULL
        WHERE record IS NOT NULL AND problem IS NULL AND outcome <> 'pending'`,
    )
    .run().changes;
}
