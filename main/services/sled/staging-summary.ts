/**
 * What a staging database holds, as the UI, the CLI and the manager show it:
 * counts (index-covered queries, so a million entries answer quickly) and
 * samples with the key printable. Never a value: a wallet's held a secret.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  sledFamilies,
  type SledEntryOutcome,
  type SledEntrySample,
  type SledFamily,
  type SledFileSummary,
  type SledImportSummary,
  type SledProblemKind,
} from '../../../common/sled';
import { printableKey } from './mapping';
import type { StagingDb } from './staging-db';

/** Meta key: entries read before a format A file's first header (no source), per file id (JSON object). */
export const UNSOURCED_META = 'entries_without_source';
/** Meta key: by file id, the header lines that were not read, each with why ("line 1: its version 2 is not …"). */
export const UNREAD_HEADERS_META = 'unread_headers';

function fileBytes(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

export function summarize(staging: StagingDb): SledImportSummary {
  const db = staging.db;
  const unsourced = JSON.parse(staging.meta(UNSOURCED_META) ?? '{}') as Record<string, number>;
  const unread = JSON.parse(staging.meta(UNREAD_HEADERS_META) ?? '{}') as Record<string, string[]>;
  const sources = new Map<number, string[]>();
  for (const s of db.prepare('SELECT file_id, name FROM sources ORDER BY id').all() as Array<{
    file_id: number;
    name: string;
  }>) {
    const list = sources.get(s.file_id) ?? [];
    if (!list.includes(s.name)) list.push(s.name);
    sources.set(s.file_id, list);
  }
  const firstWithHash = new Map<string, string>();
  const files: SledFileSummary[] = (
    db.prepare('SELECT id, path, bytes, format, sha256, entries FROM files ORDER BY id').all() as Array<{
      id: number;
      path: string;
      bytes: number;
      format: SledFileSummary['format'];
      sha256: string | null;
      entries: number;
    }>
  ).map((f) => {
    const names = [...(sources.get(f.id) ?? [])];
    const without = unsourced[String(f.id)] ?? 0;
    if (without > 0) names.unshift(`(no header: ${without} ${without === 1 ? 'entry' : 'entries'})`);
    for (const header of unread[String(f.id)] ?? []) names.push(`(header not read, ${header})`);
    // A copy of a file already in this import (another name, the same bytes): its entries are all repeats.
    const first = f.sha256 === null || f.entries === 0 ? undefined : firstWithHash.get(f.sha256);
    if (first === undefined) {
      if (f.sha256 !== null) firstWithHash.set(f.sha256, f.path);
    } else {
      names.push(`(the same bytes as ${path.basename(first)}: its entries repeat that file's)`);
    }
    return {
      path: f.path,
      bytes: f.bytes,
      format: f.format,
      sha256: f.sha256 ?? '',
      entries: f.entries,
      sources: names,
    };
  });

  const byFamily = Object.fromEntries(sledFamilies.map((f) => [f, 0])) as Record<SledFamily, number>;
  let entries = 0;
  for (const row of db.prepare('SELECT family, count(*) AS n FROM entries GROUP BY family').all() as Array<{
    family: SledFamily | null;
    n: number;
  }>) {
    entries += row.n;
    if (row.family !== null) byFamily[row.family] += row.n;
  }
  const problems: Partial<Record<SledProblemKind, number>> = {};
  for (const row of db
    .prepare('SELECT problem, family, count(*) AS n FROM entries WHERE problem IS NOT NULL GROUP BY problem, family')
    .all() as Array<{ problem: SledProblemKind; family: SledFamily | null; n: number }>) {
    problems[row.problem] = (problems[row.problem] ?? 0) + row.n;
    // byFamily counts the entries of a family without a problem.
    if (row.family !== null) byFamily[row.family] -= row.n;
  }
  const firstOf = db.prepare(
    `SELECT f.path AS file, e.origin, e.reason FROM entries e JOIN files f ON f.id = e.file_id
      WHERE e.problem = ? ORDER BY e.id LIMIT 1`,
  );
  const problemExamples: SledImportSummary['problemExamples'] = {};
  for (const kind of Object.keys(problems) as SledProblemKind[]) {
    const example = firstOf.get(kind) as { file: string; origin: string; reason: string | null } | undefined;
    if (example) problemExamples[kind] = example;
  }
  // Pending is what is left: the partial index entries_done holds only the other outcomes, so
  // this reads no table page (a GROUP BY over every outcome scanned the whole table, about
  // 0.9 s for a million entries, on every list of the imports).
  const outcomes: Record<SledEntryOutcome, number> = { pending: entries, loaded: 0, skipped: 0, failed: 0 };
  for (const row of db
    .prepare("SELECT outcome, count(*) AS n FROM entries WHERE outcome <> 'pending' GROUP BY outcome")
    .all() as Array<{ outcome: Exclude<SledEntryOutcome, 'pending'>; n: number }>) {
    outcomes[row.outcome] = row.n;
    outcomes.pending -= row.n;
  }

  return {
    id: staging.id,
    state: staging.state,
    createdAt: staging.meta('created_at') ?? '',
    files,
    entries,
    byFamily,
    problems,
    problemExamples,
    loaded: outcomes.loaded,
    skipped: outcomes.skipped,
    failed: outcomes.failed,
    lastLoadAt: staging.meta('last_load_at'),
    stagingFile: staging.file,
    stagingBytes: fileBytes(staging.file) + fileBytes(`${staging.file}-wal`),
    message: staging.meta('message'),
  };
}

export interface SampleFilter {
  problem?: SledProblemKind;
  family?: SledFamily;
  outcome?: SledEntryOutcome;
  outcomeReason?: string;
}

/** Up to `limit` entries matching every given condition, in file order; the key printable, the value never. */
export function sampleEntries(staging: StagingDb, where: SampleFilter, limit: number): SledEntrySample[] {
  const conditions: string[] = [];
  const params: Array<string | number> = [];
  if (where.problem !== undefined) {
    conditions.push('e.problem = ?');
    params.push(where.problem);
  }
  if (where.family !== undefined) {
    conditions.push('e.family = ?');
    params.push(where.family);
  }
  if (where.outcome !== undefined) {
    conditions.push('e.outcome = ?');
    params.push(where.outcome);
  }
  if (where.outcomeReason !== undefined) {
    conditions.push('e.outcome_reason = ?');
    params.push(where.outcomeReason);
  }
  const rows = staging.db
    .prepare(
      `SELECT e.id, e.origin, e.key, e.family, e.problem, e.reason, s.name AS source, f.path
         FROM entries e LEFT JOIN sources s ON s.id = e.source_id JOIN files f ON f.id = e.file_id
        ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
        ORDER BY e.id LIMIT ?`,
    )
    .all(...params, Math.max(0, Math.floor(limit))) as Array<{
    id: number;
    origin: string;
    key: Buffer | null;
    family: SledFamily | null;
    problem: SledProblemKind | null;
    reason: string | null;
    source: string | null;
    path: string;
  }>;
  return rows.map((r) => ({
    entryId: r.id,
    source: r.source,
    file: r.path,
    origin: r.origin,
    key: printableKey(r.key),
    family: r.family,
    problem: r.problem,
    reason: r.reason,
  }));
}
