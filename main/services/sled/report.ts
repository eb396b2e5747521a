/**
 * Reconciliation of an import: every staged entry is exactly one of loaded,
 * skipped (with its reason), failed (with its reason) or pending, and the
 * totals that must match are checked against PostgreSQL (with a connection)
 * or taken from the last load's report (without one). Read-only on both sides.
 */
import type pg from 'pg';
import type {
  SledEntryOutcome,
  SledProblemKind,
  SledReport,
  SledReportCheck,
  SledReportTable,
  SledTarget,
} from '../../../common/sled';
import { sledTargets } from '../../../common/sled';
import { problemLabels, SAMPLE_LIMIT, samplesOf } from './entry-samples';
import { readableBalanceTotal } from './decode';
import { EFFECTIVE_OUTCOME, EFFECTIVE_REASON, LOADABLE } from './load-staging';
import { targetSql } from './load-statement';
import { provenanceExists } from './provenance';
import type { StagingDb } from './staging-db';

type Outcome = SledEntryOutcome;

interface StagingFacts {
  entries: number;
  outcomes: Record<Outcome, number>;
  tables: SledReportTable[];
  /**
   * Sums of the balances' totals by outcome (exact): the loadable ones', and
   * as failed, those of the balances that did not decode but whose total reads.
   */
  balances: Record<Outcome, bigint>;
  /** Balances that failed with a total that cannot be read (in no sum). */
  unreadableBalances: number;
  /** Balances that failed (with a readable total or not). */
  failedBalances: number;
  loadedWalletsWithSecret: number;
}

function stagingFacts(staging: StagingDb): StagingFacts {
  const db = staging.db;
  const outcomes: Record<Outcome, number> = { loaded: 0, skipped: 0, failed: 0, pending: 0 };
  const byTarget = new Map<SledTarget | null, SledReportTable>();
  let entries = 0;
  const rows = db
    .prepare(`SELECT target, ${EFFECTIVE_OUTCOME} AS outcome, count(*) AS n FROM entries GROUP BY 1, 2`)
    .all() as Array<{ target: SledTarget | null; outcome: Outcome; n: number }>;
  for (const r of rows) {
    entries += r.n;
    outcomes[r.outcome] += r.n;
    let table = byTarget.get(r.target);
    if (!table) byTarget.set(r.target, (table = { target: r.target, loaded: 0, skipped: 0, failed: 0, pending: 0 }));
    table[r.outcome] += r.n;
  }
  const tables = [...byTarget.values()].sort((a, b) => targetOrder(a.target) - targetOrder(b.target));
  const balances: Record<Outcome, bigint> = { loaded: 0n, skipped: 0n, failed: 0n, pending: 0n };
  const totals = db
    .prepare(
      `SELECT outcome, json_extract(record, '$.total') AS total FROM entries WHERE family = 'balance' AND ${LOADABLE}`,
    )
    .raw()
    .iterate() as IterableIterator<[Outcome, string | number]>;
  for (const [outcome, total] of totals) balances[outcome] += BigInt(total);
  let unreadableBalances = 0;
  let failedBalances = 0;
  const problems = db
    .prepare(`SELECT value FROM entries WHERE family = 'balance' AND NOT ${LOADABLE}`)
    .raw()
    .iterate() as IterableIterator<[Buffer | null]>;
  for (const [value] of problems) {
    failedBalances += 1;
    const total = readableBalanceTotal(value);
    if (total === null) unreadableBalances += 1;
    else balances.failed += total;
  }
  failedBalances += (
    db
      .prepare(`SELECT count(*) AS n FROM entries WHERE family = 'balance' AND ${LOADABLE} AND outcome = 'failed'`)
      .get() as { n: number }
  ).n;
  const loadedWalletsWithSecret = (
    db
      .prepare(
        `SELECT count(*) AS n FROM entries
          WHERE family = 'wallet' AND outcome = 'loaded' AND ${LOADABLE} AND json_extract(record, '$.has_secret') = 1`,
      )
      .get() as { n: number }
  ).n;
  return { entries, outcomes, tables, balances, unreadableBalances, failedBalances, loadedWalletsWithSecret };
}

function targetOrder(target: SledTarget | null): number {
  return target === null ? sledTargets.length : sledTargets.indexOf(target);
}

/** "duplicate of entry 12 in this import" and "… of entry 40" are one reason; the samples keep the numbers. */
function normalizeReason(reason: string): string {
  return reason.replace(/\bentry \d+\b/g, 'entry N');
}

function reasonsOf(staging: StagingDb): SledReport['reasons'] {
  const db = staging.db;
  const rows = db
    .prepare(
      `SELECT ${EFFECTIVE_OUTCOME} AS outcome, CASE WHEN ${LOADABLE} THEN NULL ELSE problem END AS problem,
              ${EFFECTIVE_REASON} AS reason, count(*) AS n, min(id) AS first
         FROM entries
        WHERE ${EFFECTIVE_OUTCOME} IN ('skipped', 'failed')
        GROUP BY 1, 2, 3
        ORDER BY first`,
    )
    .all() as Array<{
    outcome: 'skipped' | 'failed';
    problem: SledProblemKind | null;
    reason: string | null;
    n: number;
    first: number;
  }>;
  const groups = new Map<
    string,
    { outcome: 'skipped' | 'failed'; reason: string; count: number; subgroups: typeof rows }
  >();
  for (const r of rows) {
    const label = r.problem ? problemLabels[r.problem] : normalizeReason(r.reason ?? '(no reason recorded)');
    const key = `${r.outcome}\u0000${label}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { outcome: r.outcome, reason: label, count: 0, subgroups: [] }));
    group.count += r.n;
    group.subgroups.push(r);
  }
  const more = db.prepare(
    `SELECT id FROM entries
      WHERE id > ? AND ${EFFECTIVE_OUTCOME} = ? AND ${EFFECTIVE_REASON} IS ? ORDER BY id LIMIT ?`,
  );
  return [...groups.values()]
    .sort((a, b) => b.count - a.count)
    .map((group) => {
      const ids = group.subgroups.slice(0, SAMPLE_LIMIT).map((s) => s.first);
      for (const sub of group.subgroups) {
        if (ids.length >= SAMPLE_LIMIT) break;
        if (sub.n < 2) continue;
        const extra = more
          .pluck()
          .all(sub.first, sub.outcome, sub.reason, Math.min(sub.n - 1, SAMPLE_LIMIT - ids.length)) as number[];
        ids.push(...extra);
      }
      return {
        outcome: group.outcome,
        reason: group.reason,
        count: group.count,
        samples: samplesOf(
          staging,
          ids.sort((a, b) => a - b),
          new Map(group.subgroups.filter((g) => g.reason !== null).map((g) => [g.first, g.reason!])),
        ),
      };
    });
}

function check(name: string, expected: string | number | bigint, actual: string | number | bigint): SledReportCheck {
  const e = String(expected);
  const a = String(actual);
  return { name, expected: e, actual: a, ok: e === a };
}

interface DatabaseFacts {
  rowsByTarget: Map<SledTarget, number>;
  missingTables: SledTarget[];
  minted: bigint;
  encrypted: number;
  leftOut: number;
  notArmored: number;
  walletsUpdated: number;
}

async function databaseFacts(client: pg.ClientBase, importId: string): Promise<DatabaseFacts> {
  const facts: DatabaseFacts = {
    rowsByTarget: new Map(),
    missingTables: [],
    minted: 0n,
    encrypted: 0,
    leftOut: 0,
    notArmored: 0,
    walletsUpdated: 0,
  };
  const present = await client.query<{ name: SledTarget; present: boolean }>(
    'SELECT t.name, to_regclass(t.name) IS NOT NULL AS present FROM unnest($1::text[]) AS t(name)',
    [sledTargets],
  );
  const tables = present.rows.filter((r) => r.present).map((r) => r.name);
  facts.missingTables = present.rows.filter((r) => !r.present).map((r) => r.name);
  for (const t of sledTargets) facts.rowsByTarget.set(t, 0);
  if (!(await provenanceExists(client))) return facts;
  if (tables.length > 0) {
    // One query for every table: the rows whose id this import's provenance records as loaded.
    const union = tables
      .map(
        (t, i) =>
          `SELECT $${i + 2}::text AS target, count(*)::int AS n
             FROM sled_import.provenance p JOIN ${targetSql(t)} x ON x.id = p.target_id
            WHERE p.import_id = $1 AND p.target_table = $${i + 2} AND p.outcome = 'loaded'`,
      )
      .join('\nUNION ALL\n');
    const counts = await client.query<{ target: SledTarget; n: number }>(union, [importId, ...tables]);
    for (const r of counts.rows) facts.rowsByTarget.set(r.target, r.n);
  }
  if (tables.includes('blockchain.fodi_transactions')) {
    const minted = await client.query<{ total: string }>(
      `SELECT coalesce(sum(x.amount), 0)::text AS total
         FROM sled_import.provenance p JOIN blockchain.fodi_transactions x ON x.id = p.target_id
        WHERE p.import_id = $1 AND p.target_table = 'blockchain.fodi_transactions' AND p.outcome = 'loaded'`,
      [importId],
    );
    facts.minted = BigInt(minted.rows[0]?.total ?? '0');
  }
  if (tables.includes('blockchain.wallets')) {
    const secrets = await client.query<{ encrypted: number; left_out: number; not_armored: number }>(
      `SELECT count(*) FILTER (WHERE x.metadata->>'secret' = 'encrypted' AND x.encrypted_private_key IS NOT NULL)::int AS encrypted,
              count(*) FILTER (WHERE x.metadata->>'secret' = 'left_out' AND x.encrypted_private_key IS NULL)::int AS left_out,
              count(*) FILTER (WHERE x.encrypted_private_key IS NOT NULL
                                 AND x.encrypted_private_key NOT LIKE '-----BEGIN PGP MESSAGE-----%')::int AS not_armored
         FROM sled_import.provenance p JOIN blockchain.wallets x ON x.id = p.target_id
        WHERE p.import_id = $1 AND p.target_table = 'blockchain.wallets' AND p.outcome = 'loaded'`,
      [importId],
    );
    const s = secrets.rows[0];
    if (s) Object.assign(facts, { encrypted: s.encrypted, leftOut: s.left_out, notArmored: s.not_armored });
  }
  const updated = await client.query<{ n: string }>(
    'SELECT coalesce(sum(wallets_updated), 0)::text AS n FROM sled_import.loads WHERE import_id = $1',
    [importId],
  );
  facts.walletsUpdated = Number(updated.rows[0]?.n ?? 0);
  return facts;
}

export const ACCOUNTED_CHECK = 'every staged entry is loaded, skipped, failed or pending';

export async function reportImport(
  staging: StagingDb,
  db?: { client: pg.ClientBase; target: string },
  clock: () => Date = () => new Date(),
): Promise<SledReport> {
  const importId = staging.id;
  const facts = stagingFacts(staging);
  const o = facts.outcomes;
  const checks: SledReportCheck[] = [
    check(ACCOUNTED_CHECK, facts.entries, o.loaded + o.skipped + o.failed + o.pending),
  ];
  let secrets = { encrypted: 0, leftOut: 0 };
  if (db) {
    const pgFacts = await databaseFacts(db.client, importId);
    for (const table of facts.tables) {
      if (table.target === null || (table.loaded === 0 && table.skipped === 0 && table.pending === 0)) continue;
      const missing = pgFacts.missingTables.includes(table.target);
      checks.push(
        check(
          `rows in ${table.target} with this import's provenance = entries loaded${missing ? ' (the table does not exist)' : ''}`,
          table.loaded,
          pgFacts.rowsByTarget.get(table.target) ?? 0,
        ),
      );
    }
    const b = facts.balances;
    const exported = b.loaded + b.skipped + b.failed + b.pending;
    checks.push(
      check(
        'sum of the exported balances = minted + skipped + failed + pending (units of 1e-9 FODI)',
        exported,
        pgFacts.minted + b.skipped + b.failed + b.pending,
      ),
    );
    if (facts.failedBalances > 0) {
      const units = b.failed.toString();
      const unreadable = facts.unreadableBalances;
      checks.push({
        name:
          `balances that failed: ${facts.failedBalances}, totalling ${units} units of 1e-9 FODI` +
          (unreadable > 0 ? ` besides ${unreadable} whose total cannot be read` : '') +
          ' (information)',
        expected: units,
        actual: units,
        ok: true,
      });
    }
    checks.push(
      check(
        'loaded wallets with a secret = secrets encrypted + left out',
        facts.loadedWalletsWithSecret,
        pgFacts.encrypted + pgFacts.leftOut,
      ),
    );
    checks.push(check("this import's wallets whose encrypted_private_key is not a PGP message", 0, pgFacts.notArmored));
    checks.push({
      name: 'wallet balances set by the loads (information)',
      expected: String(pgFacts.walletsUpdated),
      actual: String(pgFacts.walletsUpdated),
      ok: true,
    });
    secrets = { encrypted: pgFacts.encrypted, leftOut: pgFacts.leftOut };
  } else {
    const last = lastReport(staging);
    if (last) {
      const at = staging.meta('last_load_at') ?? last.generatedAt;
      for (const c of last.checks) {
        if (c.name === ACCOUNTED_CHECK) continue;
        checks.push({ ...c, recorded: { at, against: last.verifiedAgainst } });
      }
      secrets = last.secrets;
    }
  }
  return {
    importId,
    generatedAt: clock().toISOString(),
    verifiedAgainst: db ? db.target : null,
    entries: facts.entries,
    outcomes: facts.outcomes,
    tables: facts.tables,
    reasons: reasonsOf(staging),
    checks,
    secrets,
    reconciled: checks.every((c) => c.ok) && o.pending === 0,
  };
}

function lastReport(staging: StagingDb): SledReport | null {
  const raw = staging.meta('last_report');
  if (!raw) return null;
  try {
    return JSON.parse(raw) as SledReport;
  } catch {
    return null;
  }
}
