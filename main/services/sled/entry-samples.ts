/**
 * Staged entries as the plan and the report show them: the key printable,
 * the value never (a wallet's value held a secret before it was redacted).
 */
import type { SledEntrySample, SledFamily, SledProblemKind } from '../../../common/sled';
import { printableKey } from './mapping';
import type { StagingDb } from './staging-db';

/** How many samples a reason or problem shows. */
export const SAMPLE_LIMIT = 5;

/**
 * Samples of the given entries, in id order.
 * @param reasons the reason to show per entry id (default: the outcome's reason, else the staging problem's)
 */
export function samplesOf(
  staging: StagingDb,
  ids: readonly number[],
  reasons?: ReadonlyMap<number, string>,
): SledEntrySample[] {
  if (ids.length === 0) return [];
  const rows = staging.db
    .prepare(
      `SELECT e.id, e.origin, e.key, e.family, e.problem, e.reason, e.outcome_reason, s.name AS source, f.path
         FROM entries e LEFT JOIN sources s ON s.id = e.source_id JOIN files f ON f.id = e.file_id
        WHERE e.id IN (SELECT value FROM json_each(?))
        ORDER BY e.id`,
    )
    .all(JSON.stringify(ids)) as Array<{
    id: number;
    origin: string;
    key: Buffer | null;
    family: string | null;
    problem: string | null;
    reason: string | null;
    outcome_reason: string | null;
    source: string | null;
    path: string;
  }>;
  return rows.map((r) => ({
    entryId: r.id,
    source: r.source,
    file: r.path,
    origin: r.origin,
    key: printableKey(r.key),
    family: r.family as SledFamily | null,
    problem: r.problem as SledProblemKind | null,
    reason: reasons?.get(r.id) ?? r.outcome_reason ?? r.reason,
  }));
}

/** What each problem kind means, for grouping failed entries in a report. */
export const problemLabels: Record<SledProblemKind, string> = {
  invalid_json: 'not valid JSON',
  bad_header: 'no valid export header before it',
  bad_base64: 'key or value is not valid base64',
  bad_entry: 'not an entry (key/value missing or given twice)',
  unknown_key: 'unknown key pattern',
  decode_error: "the value does not decode as its family's Rust type",
  out_of_range: 'a value does not fit its column',
};
