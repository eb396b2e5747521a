/**
 * The loader's reads and writes of the staging database (besides
 * StagingDb.setOutcomes): which entries are still to load, which wallet
 * belongs to a balance's user, which wallets carry a secret.
 */
import type { SledFamily } from '../../../common/sled';
import { UNKNOWN_KEY_REASON } from './mapping';
import type { StagedEntry, StagingDb } from './staging-db';

/** A loadable entry has a record and no problem. */
export const LOADABLE = '(record IS NOT NULL AND problem IS NULL)';

const sqlText = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** Why an entry that is not loadable failed (SQL over entries). */
export const PROBLEM_REASON = `CASE
  WHEN problem = 'unknown_key' OR (problem IS NULL AND family IS NULL) THEN ${sqlText(UNKNOWN_KEY_REASON)}
  ELSE coalesce(reason, problem, 'the entry could not be decoded') END`;

/**
 * An entry's outcome and reason as a load leaves them, also before the first
 * load (entries with a problem are 'failed' whether or not a load marked them).
 */
export const EFFECTIVE_OUTCOME = `CASE WHEN ${LOADABLE} THEN outcome ELSE 'failed' END`;
export const EFFECTIVE_REASON = `CASE WHEN ${LOADABLE} THEN outcome_reason ELSE ${PROBLEM_REASON} END`;

/**
 * Entries with a problem (or no record) are 'failed' with their reason, the
 * unknown keys with "unknown key pattern". They never reach PostgreSQL.
 */
export function markProblemEntries(staging: StagingDb): number {
  return staging.db
    .prepare(
      `UPDATE entries
          SET outcome = 'failed', target_id = NULL, outcome_reason = ${PROBLEM_REASON}
        WHERE NOT ${LOADABLE} AND (outcome <> 'failed' OR outcome_reason IS NOT ${PROBLEM_REASON})`,
    )
    .run().changes;
}

export function pendingCount(staging: StagingDb): number {
  return (
    staging.db.prepare(`SELECT count(*) AS n FROM entries WHERE outcome = 'pending' AND ${LOADABLE}`).get() as {
      n: number;
    }
  ).n;
}

/** What the loader reads of an entry (never the value). */
export type LoadEntry = Pick<StagedEntry, 'id' | 'sourceId' | 'tree' | 'key' | 'record'>;

/** Pending loadable entries of a family after `afterId`, in entry order. */
export function pendingEntries(staging: StagingDb, family: SledFamily, afterId: number, limit: number): LoadEntry[] {
  return staging.db
    .prepare(
      `SELECT id, source_id AS sourceId, tree, key, record FROM entries
          WHERE family = ? AND id > ? AND outcome = 'pending' AND ${LOADABLE} ORDER BY id LIMIT ?`,
    )
    .all(family, afterId, limit) as LoadEntry[];
}

/** Pending wallets whose record says they carry a secret (the ids to read back from the export). */
export function walletsWantingSecrets(staging: StagingDb): Set<number> {
  const ids = staging.db
    .prepare(
      `SELECT id FROM entries
        WHERE family = 'wallet' AND outcome = 'pending' AND ${LOADABLE} AND json_extract(record, '$.has_secret') = 1`,
    )
    .pluck()
    .all() as number[];
  return new Set(ids);
}

/**
 * The public key of each balance user's wallet in this import (the first
 * wallet entry of that user, loaded or not), through an expression index the
 * loader adds to the staging database.
 */
export function walletKeysOf(
  staging: StagingDb,
  balances: readonly Pick<StagedEntry, 'record'>[],
): Map<string, string> {
  const db = staging.db;
  if (!db.readonly) {
    db.exec(
      "CREATE INDEX IF NOT EXISTS entries_wallet_user ON entries (json_extract(record, '$.user_id'), id) WHERE family = 'wallet'",
    );
  }
  const users: string[] = [];
  for (const entry of balances) {
    try {
      const userId = (JSON.parse(entry.record ?? 'null') as { user_id?: unknown } | null)?.user_id;
      if (typeof userId === 'string') users.push(userId);
    } catch {
      // buildRow reports the unparseable record.
    }
  }
  const rows = db
    .prepare(
      `SELECT json_extract(record, '$.user_id') AS user_id, json_extract(record, '$.pubkey') AS pubkey, min(id) AS first
         FROM entries
        WHERE family = 'wallet' AND ${LOADABLE} AND json_extract(record, '$.user_id') IN (SELECT value FROM json_each(?))
        GROUP BY json_extract(record, '$.user_id')`,
    )
    .all(JSON.stringify(users)) as Array<{ user_id: string; pubkey: string; first: number }>;
  return new Map(rows.map((r) => [r.user_id, r.pubkey]));
}
