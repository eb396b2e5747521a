/**
 * The plan of an import: per target table, what a load would insert, skip
 * (with reasons and samples) and what is already loaded; the problems; the
 * secrets; the exported balance total. It decides every entry with the
 * loader's rules (load-statement.ts) in the loader's order, so a load right after
 * a plan against the same database does what the plan says (PostgreSQL may
 * still refuse single rows: those fail at load time, with its message).
 *
 * With a database: read-only queries, set-based per chunk of entries
 * (provenance, natural keys already present). Without one: the staging
 * database alone (the outcomes of the last load stand in for the provenance)
 * and `checkedAgainst` is null.
 */
import type pg from 'pg';
import type {
  SledFamily,
  SledPlan,
  SledPlanProblem,
  SledPlanTable,
  SledProblemKind,
  SledSettings,
  SledTarget,
} from '../../../common/sled';
import { familyTarget, sledProblemKinds, sledTargets } from '../../../common/sled';
import { SAMPLE_LIMIT, samplesOf } from './entry-samples';
import { LOADABLE } from './load-staging';
import { skipReasons, UserIds } from './mapping';
import {
  heldByOthers,
  NATURAL_KEYS,
  naturalKeyOf,
  type PlanDb,
  type PlanEntry,
  presentKeys,
  recordedOutcomes,
  requireTargets,
} from './plan-lookups';
import { provenanceExists } from './provenance';
import type { StagingDb } from './staging-db';

const CHUNK = 5000;
const FAMILIES: readonly SledFamily[] = ['balance', 'wallet', 'ai_cache', 'conversation', 'memory', 'preference'];

class TableTally {
  toInsert = 0;
  alreadyLoaded = 0;
  private readonly skips = new Map<string, { count: number; ids: number[]; reasons: Map<number, string> }>();

  skip(id: number, reason: string): void {
    const label = reason.replace(/\bentry \d+\b/g, 'entry N');
    let group = this.skips.get(label);
    if (!group) this.skips.set(label, (group = { count: 0, ids: [], reasons: new Map() }));
    group.count += 1;
    if (group.ids.length < SAMPLE_LIMIT) {
      group.ids.push(id);
      group.reasons.set(id, reason);
    }
  }

  result(staging: StagingDb, target: SledTarget, walletUpdates?: number): SledPlanTable {
    const skipReasons = [...this.skips.entries()]
      .sort((a, b) => b[1].count - a[1].count)
      .map(([reason, g]) => ({ reason, count: g.count, samples: samplesOf(staging, g.ids, g.reasons) }));
    return {
      target,
      toInsert: this.toInsert,
      toSkip: skipReasons.reduce((sum, r) => sum + r.count, 0),
      skipReasons,
      alreadyLoaded: this.alreadyLoaded,
      ...(walletUpdates === undefined ? {} : { walletUpdates }),
    };
  }
}

/**
 * What the plan reads of an entry's record: all that naturalKeyOf uses. A
 * wallet's and a balance's whole (short) record, a cached response's key
 * alone, and nothing of the families without a natural key (conversations,
 * memory, preferences: about half of an import, and its longest records),
 * which would otherwise each be copied into a JavaScript string for nothing.
 */
function recordForPlan(family: SledFamily): string {
  if (family === 'wallet' || family === 'balance') return 'e.record';
  if (family === 'ai_cache') return "json_object('cache_key', json_extract(e.record, '$.cache_key'))";
  return "''";
}

export async function planImport(
  staging: StagingDb,
  settings: SledSettings,
  db?: { client: pg.ClientBase; target: string },
  /** After each chunk: entries decided so far, of all staged (those with a problem count at the end). */
  progress?: (done: number, total: number) => void,
): Promise<SledPlan> {
  const sdb = staging.db;
  const importId = staging.id;
  const total = (sdb.prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n;
  let done = 0;
  const ids = new UserIds(settings.uuidNamespace);
  let planDb: PlanDb | null = null;
  if (db) {
    await requireTargets(db.client, db.target);
    planDb = { ...db, provenance: await provenanceExists(db.client) };
  }
  const tallies = new Map<SledTarget, TableTally>(sledTargets.map((t) => [t, new TableTally()]));
  sdb.exec(`
    DROP TABLE IF EXISTS temp.plan_dup;
    DROP TABLE IF EXISTS temp.plan_candidates;
    DROP TABLE IF EXISTS temp.plan_wallet_users;
    DROP TABLE IF EXISTS temp.plan_mint_users;
    DROP TABLE IF EXISTS temp.plan_winners;
    CREATE TEMP TABLE plan_dup (id INTEGER PRIMARY KEY, first INTEGER NOT NULL);
    CREATE TEMP TABLE plan_candidates (id INTEGER PRIMARY KEY, family TEXT NOT NULL, nk TEXT NOT NULL, user_id TEXT);
    CREATE TEMP TABLE plan_wallet_users (user_id TEXT NOT NULL);
    CREATE TEMP TABLE plan_mint_users (user_id TEXT PRIMARY KEY);
    CREATE TEMP TABLE plan_winners (nk TEXT PRIMARY KEY, first INTEGER NOT NULL) WITHOUT ROWID;
  `);
  try {
    // The same (source, tree, key) twice: every later one is a duplicate of the first (loader rule 1).
    sdb.exec(`
      INSERT INTO plan_dup (id, first)
      SELECT id, first FROM (
        SELECT e.id, first_value(e.id) OVER (PARTITION BY coalesce(s.name, ''), coalesce(e.tree, ''), e.key ORDER BY e.id) AS first
          FROM entries e LEFT JOIN sources s ON s.id = e.source_id
         WHERE ${LOADABLE.replaceAll('record', 'e.record').replaceAll('problem', 'e.problem')})
       WHERE first <> id`);
    const pages = new Map(
      FAMILIES.map((family) => [
        family,
        sdb.prepare(
          `SELECT e.id, coalesce(s.name, '') AS source, coalesce(e.tree, '') AS tree, hex(e.key) AS key_hex,
                  ${recordForPlan(family)} AS record, e.outcome, e.outcome_reason, d.first AS provenance_first
             FROM entries e LEFT JOIN sources s ON s.id = e.source_id LEFT JOIN plan_dup d ON d.id = e.id
            WHERE e.family = ? AND e.id > ? AND e.record IS NOT NULL AND e.problem IS NULL
            ORDER BY e.id LIMIT ?`,
        ),
      ]),
    );
    const addCandidate = sdb.prepare('INSERT INTO plan_candidates (id, family, nk, user_id) VALUES (?, ?, ?, ?)');
    const addWalletUser = sdb.prepare('INSERT INTO plan_wallet_users (user_id) VALUES (?)');
    let balanceTotal = 0n;
    let secretWallets = 0;

    for (const family of FAMILIES) {
      const target = familyTarget[family];
      const tally = tallies.get(target)!;
      let after = 0;
      for (;;) {
        const rows = (
          pages.get(family)!.all(family, after, CHUNK) as Array<{
            id: number;
            source: string;
            tree: string;
            key_hex: string | null;
            record: string;
            outcome: string;
            outcome_reason: string | null;
            provenance_first: number | null;
          }>
        ).map((r): PlanEntry => ({
          id: r.id,
          source: r.source,
          tree: r.tree,
          keyHex: (r.key_hex ?? '').toLowerCase(),
          record: r.record,
          outcome: r.outcome,
          outcomeReason: r.outcome_reason,
          provenanceFirst: r.provenance_first,
        }));
        const lastRow = rows[rows.length - 1];
        if (!lastRow) break;
        after = lastRow.id;
        const natural = rows.map((r) => naturalKeyOf(family, r.record, ids));
        const recorded = await recordedOutcomes(planDb, importId, rows);
        const held = await heldByOthers(planDb, importId, rows, recorded);
        const present = await presentKeys(planDb, target, natural);
        const chunkWork = sdb.transaction(() => {
          rows.forEach((entry, i) => {
            const nk = natural[i]!;
            if (family === 'balance') balanceTotal += nk.total ?? 0n;
            if (family === 'wallet' && nk.hasSecret) secretWallets += 1;
            const mine = recorded.get(entry.id);
            if (mine?.outcome === 'loaded') {
              tally.alreadyLoaded += 1;
              if (family === 'wallet' && !planDb && nk.userUuid) addWalletUser.run(nk.userUuid);
              return;
            }
            if (mine?.outcome === 'skipped') return tally.skip(entry.id, mine.reason ?? 'skipped');
            const holder = held.get(entry.id);
            if (holder) {
              return tally.skip(
                entry.id,
                holder.importId === importId
                  ? skipReasons.duplicate(holder.entryId)
                  : skipReasons.loadedByImport(holder.importId, holder.entryId),
              );
            }
            if (entry.provenanceFirst !== null)
              return tally.skip(entry.id, skipReasons.duplicate(entry.provenanceFirst));
            if (nk.total === 0n) return tally.skip(entry.id, skipReasons.zeroBalance);
            if (nk.key !== null) {
              const existing = present.get(nk.key);
              if (existing) {
                return tally.skip(
                  entry.id,
                  existing.importId === importId && existing.entryId !== null
                    ? skipReasons.duplicate(existing.entryId)
                    : (skipReasons.alreadyPresent[target] ?? 'already present'),
                );
              }
              addCandidate.run(entry.id, family, nk.key, nk.userUuid);
            } else {
              tally.toInsert += 1;
            }
          });
        });
        chunkWork();
        done += rows.length;
        progress?.(done, total);
      }
      if (NATURAL_KEYS[target]) {
        // Candidates sharing a natural key: the first in entry order wins (loader rule 4).
        // Set-based, so no family's candidates are ever all in memory at once.
        sdb.exec('DELETE FROM plan_winners');
        sdb
          .prepare(
            `INSERT INTO plan_winners (nk, first)
             SELECT nk, min(id) FROM plan_candidates WHERE family = ? GROUP BY nk`,
          )
          .run(family);
        tally.toInsert += (sdb.prepare('SELECT count(*) AS n FROM plan_winners').get() as { n: number }).n;
        const winnersOf = (table: string) =>
          `INSERT ${table === 'plan_mint_users' ? 'OR IGNORE ' : ''}INTO ${table} (user_id)
           SELECT c.user_id FROM plan_winners w JOIN plan_candidates c ON c.id = w.first
            WHERE c.user_id IS NOT NULL ORDER BY c.id`;
        if (family === 'wallet') sdb.exec(winnersOf('plan_wallet_users'));
        if (family === 'balance') sdb.exec(winnersOf('plan_mint_users'));
        const duplicates = sdb.prepare(
          `SELECT c.id, w.first FROM plan_candidates c JOIN plan_winners w ON w.nk = c.nk
            WHERE c.family = ? AND c.id <> w.first ORDER BY c.id`,
        );
        for (const d of duplicates.iterate(family) as Iterable<{ id: number; first: number }>) {
          tally.skip(d.id, skipReasons.duplicate(d.first));
        }
      }
    }

    const walletUpdates = await countWalletUpdates(staging, planDb);
    progress?.(total, total);
    const tables = sledTargets.map((t) =>
      tallies.get(t)!.result(staging, t, t === 'blockchain.fodi_transactions' ? walletUpdates : undefined),
    );
    return {
      importId,
      settings,
      checkedAgainst: planDb ? planDb.target : null,
      tables,
      problems: problemsOf(staging),
      secrets: { wallets: secretWallets, mode: settings.secrets },
      balanceTotal: balanceTotal.toString(),
      entries: total,
    };
  } finally {
    sdb.exec(`
      DROP TABLE IF EXISTS temp.plan_dup;
      DROP TABLE IF EXISTS temp.plan_candidates;
      DROP TABLE IF EXISTS temp.plan_wallet_users;
      DROP TABLE IF EXISTS temp.plan_mint_users;
      DROP TABLE IF EXISTS temp.plan_winners;
    `);
  }
}

/** Wallets whose balance the load would set: those of the users it mints for. */
async function countWalletUpdates(staging: StagingDb, db: PlanDb | null): Promise<number> {
  const sdb = staging.db;
  let count = (
    sdb
      .prepare('SELECT count(*) AS n FROM plan_wallet_users w JOIN plan_mint_users m ON m.user_id = w.user_id')
      .get() as { n: number }
  ).n;
  if (db) {
    const users = sdb
      .prepare('SELECT rowid, user_id FROM plan_mint_users WHERE rowid > ? ORDER BY rowid LIMIT ?')
      .raw();
    let after = 0;
    for (;;) {
      const chunk = users.all(after, 10_000) as Array<[number, string]>;
      const last = chunk[chunk.length - 1];
      if (!last) break;
      after = last[0];
      const result = await db.client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM blockchain.wallets WHERE user_id = ANY($1::uuid[])',
        [chunk.map((c) => c[1])],
      );
      count += result.rows[0]?.n ?? 0;
    }
  }
  return count;
}

function problemsOf(staging: StagingDb): SledPlanProblem[] {
  const sdb = staging.db;
  const rows = sdb
    .prepare(
      `SELECT coalesce(problem, CASE WHEN family IS NULL THEN 'unknown_key' ELSE 'decode_error' END) AS kind, count(*) AS n
         FROM entries WHERE NOT ${LOADABLE} GROUP BY 1`,
    )
    .all() as Array<{ kind: SledProblemKind; n: number }>;
  const sample = sdb.prepare(
    `SELECT id FROM entries
      WHERE NOT ${LOADABLE} AND coalesce(problem, CASE WHEN family IS NULL THEN 'unknown_key' ELSE 'decode_error' END) = ?
      ORDER BY id LIMIT ?`,
  );
  return rows
    .sort((a, b) => sledProblemKinds.indexOf(a.kind) - sledProblemKinds.indexOf(b.kind))
    .map((r) => ({
      kind: r.kind,
      count: r.n,
      samples: samplesOf(staging, sample.pluck().all(r.kind, SAMPLE_LIMIT) as number[]),
    }));
}
