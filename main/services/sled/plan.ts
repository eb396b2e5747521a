/**
 * The plan of an import: per target table, what a load would insert, skip
 * (with reasons and samples) and what is already loaded; the problems; the
 * secrets; the exported balance total. It decides every entry with the
 * loader's rules (load-batch.ts) in the loader's order, so a load right after
 * a plan against the same database does what the plan says (PostgreSQL may
 * still refuse single rows: those fail at load time, with its message).
 *
 * With a database: read-only queries, set-based per chunk of entries
 * (provenance, natural keys already present). Without one: the staging
 * database alone (the outcomes of the last load stand in for the provenance)
 * and `checkedAgainst` is null.
 */
import type pg from 'pg';
import { OpsError } from '../../../common/errors';
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
import { provenanceExists } from './provenance';
import type { BalanceRecord, CacheRecord, WalletRecord } from './records';
import type { StagingDb } from './staging-db';

const CHUNK = 5000;
const FAMILIES: readonly SledFamily[] = ['wallet', 'balance', 'ai_cache', 'conversation', 'memory', 'preference'];

/** The natural key column of the targets that have one. */
const NATURAL_KEYS: Partial<Record<SledTarget, string>> = {
  'blockchain.wallets': 'public_key',
  'blockchain.fodi_transactions': 'tx_id',
  'ai.cache_entries': 'cache_key',
};

interface PlanDb {
  client: pg.ClientBase;
  target: string;
  provenance: boolean;
}

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

interface PlanEntry {
  id: number;
  source: string;
  tree: string;
  keyHex: string;
  record: string;
  outcome: string;
  outcomeReason: string | null;
  provenanceFirst: number | null;
}

export async function planImport(
  staging: StagingDb,
  settings: SledSettings,
  db?: { client: pg.ClientBase; target: string },
): Promise<SledPlan> {
  const sdb = staging.db;
  const importId = staging.id;
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
    CREATE TEMP TABLE plan_dup (id INTEGER PRIMARY KEY, first INTEGER NOT NULL);
    CREATE TEMP TABLE plan_candidates (id INTEGER PRIMARY KEY, family TEXT NOT NULL, nk TEXT NOT NULL, user_id TEXT);
    CREATE TEMP TABLE plan_wallet_users (user_id TEXT NOT NULL);
    CREATE TEMP TABLE plan_mint_users (user_id TEXT PRIMARY KEY);
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
    const page = sdb.prepare(
      `SELECT e.id, coalesce(s.name, '') AS source, coalesce(e.tree, '') AS tree, hex(e.key) AS key_hex, e.record,
              e.outcome, e.outcome_reason, d.first AS provenance_first
         FROM entries e LEFT JOIN sources s ON s.id = e.source_id LEFT JOIN plan_dup d ON d.id = e.id
        WHERE e.family = ? AND e.id > ? AND e.record IS NOT NULL AND e.problem IS NULL
        ORDER BY e.id LIMIT ?`,
    );
    const addCandidate = sdb.prepare('INSERT INTO plan_candidates (id, family, nk, user_id) VALUES (?, ?, ?, ?)');
    const addWalletUser = sdb.prepare('INSERT INTO plan_wallet_users (user_id) VALUES (?)');
    const addMintUser = sdb.prepare('INSERT OR IGNORE INTO plan_mint_users (user_id) VALUES (?)');
    let balanceTotal = 0n;
    let secretWallets = 0;

    for (const family of FAMILIES) {
      const target = familyTarget[family];
      const tally = tallies.get(target)!;
      let after = 0;
      for (;;) {
        const rows = (
          page.all(family, after, CHUNK) as Array<{
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
      }
      if (NATURAL_KEYS[target]) {
        // Candidates sharing a natural key: the first in entry order wins (loader rule 4).
        const candidates = sdb
          .prepare(
            `SELECT id, first, user_id FROM (
               SELECT id, user_id, min(id) OVER (PARTITION BY nk) AS first FROM plan_candidates WHERE family = ?)
              ORDER BY id`,
          )
          .all(family) as Array<{ id: number; first: number; user_id: string | null }>;
        sdb.transaction(() => {
          for (const c of candidates) {
            if (c.first !== c.id) {
              tally.skip(c.id, skipReasons.duplicate(c.first));
              continue;
            }
            tally.toInsert += 1;
            if (family === 'wallet' && c.user_id) addWalletUser.run(c.user_id);
            if (family === 'balance' && c.user_id) addMintUser.run(c.user_id);
          }
        })();
      }
    }

    const walletUpdates = await countWalletUpdates(staging, planDb);
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
      entries: (sdb.prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n,
    };
  } finally {
    sdb.exec(`
      DROP TABLE IF EXISTS temp.plan_dup;
      DROP TABLE IF EXISTS temp.plan_candidates;
      DROP TABLE IF EXISTS temp.plan_wallet_users;
      DROP TABLE IF EXISTS temp.plan_mint_users;
    `);
  }
}

interface NaturalKey {
  /** public_key, tx_id or cache_key; null for tables without one. */
  key: string | null;
  userUuid: string | null;
  total: bigint | null;
  hasSecret: boolean;
}

function naturalKeyOf(family: SledFamily, recordText: string, ids: UserIds): NaturalKey {
  const none: NaturalKey = { key: null, userUuid: null, total: null, hasSecret: false };
  try {
    switch (family) {
      case 'wallet': {
        const r = JSON.parse(recordText) as WalletRecord;
        return { key: r.pubkey, userUuid: ids.user(r.user_id), total: null, hasSecret: r.has_secret === true };
      }
      case 'balance': {
        const r = JSON.parse(recordText) as BalanceRecord;
        return {
          key: ids.openingBalanceTxId(r.user_id),
          userUuid: ids.user(r.user_id),
          total: BigInt(r.total),
          hasSecret: false,
        };
      }
      case 'ai_cache':
        return { ...none, key: (JSON.parse(recordText) as CacheRecord).cache_key };
      default:
        return none;
    }
  } catch {
    return none;
  }
}

async function requireTargets(client: pg.ClientBase, target: string): Promise<void> {
  const result = await client.query<{ name: string }>(
    'SELECT t.name FROM unnest($1::text[]) AS t(name) WHERE to_regclass(t.name) IS NULL',
    [sledTargets],
  );
  const missing = result.rows.map((r) => r.name);
  if (missing.length > 0) {
    throw new OpsError(
      'conflict',
      `${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist on ${target}`,
      {
        hint: "Apply the stack's migrations first, or plan without a connection.",
      },
    );
  }
}

/** This import's own provenance (with a database) or the last load's staged outcomes (without). */
async function recordedOutcomes(
  db: PlanDb | null,
  importId: string,
  rows: readonly PlanEntry[],
): Promise<Map<number, { outcome: string; reason: string | null }>> {
  const recorded = new Map<number, { outcome: string; reason: string | null }>();
  if (!db) {
    for (const r of rows) {
      if (r.outcome === 'loaded' || r.outcome === 'skipped')
        recorded.set(r.id, { outcome: r.outcome, reason: r.outcomeReason });
    }
    return recorded;
  }
  if (!db.provenance) return recorded;
  const result = await db.client.query<{ entry_id: string; outcome: string; reason: string | null }>(
    `SELECT entry_id, outcome, reason FROM sled_import.provenance WHERE import_id = $1 AND entry_id = ANY($2::bigint[])`,
    [importId, rows.map((r) => r.id)],
  );
  for (const r of result.rows) recorded.set(Number(r.entry_id), { outcome: r.outcome, reason: r.reason });
  return recorded;
}

/** Entries whose Sled key another entry (of this or another import) already holds in the provenance. */
async function heldByOthers(
  db: PlanDb | null,
  importId: string,
  rows: readonly PlanEntry[],
  recorded: ReadonlyMap<number, unknown>,
): Promise<Map<number, { importId: string; entryId: string }>> {
  const held = new Map<number, { importId: string; entryId: string }>();
  if (!db?.provenance) return held;
  const open = rows.filter((r) => !recorded.has(r.id));
  if (open.length === 0) return held;
  // LATERAL … LIMIT 1: an index lookup per entry, never a scan of the whole provenance per chunk.
  const result = await db.client.query<{ id: string; import_id: string; entry_id: string }>(
    `SELECT i.id::text AS id, p.import_id, p.entry_id::text AS entry_id
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS i(id, source, tree, key_hex)
       JOIN LATERAL (
         SELECT p.import_id, p.entry_id FROM sled_import.provenance p
          WHERE p.source = i.source AND p.tree = i.tree AND p.sled_key = decode(i.key_hex, 'hex') LIMIT 1) p ON true
      WHERE NOT (p.import_id = $5 AND p.entry_id = i.id)`,
    [open.map((r) => r.id), open.map((r) => r.source), open.map((r) => r.tree), open.map((r) => r.keyHex), importId],
  );
  for (const r of result.rows) held.set(Number(r.id), { importId: r.import_id, entryId: r.entry_id });
  return held;
}

/** Natural keys already in the target table, with the import entry that loaded each (if one did). */
async function presentKeys(
  db: PlanDb | null,
  target: SledTarget,
  natural: readonly NaturalKey[],
): Promise<Map<string, { importId: string | null; entryId: string | null }>> {
  const present = new Map<string, { importId: string | null; entryId: string | null }>();
  const column = NATURAL_KEYS[target];
  if (!db || !column) return present;
  const keys = [...new Set(natural.map((n) => n.key).filter((k): k is string => k !== null))];
  if (keys.length === 0) return present;
  // target and column are constants of this file (sledTargets and NATURAL_KEYS), never input.
  const result = await db.client.query<{ key: string; import_id: string | null; entry_id: string | null }>(
    db.provenance
      ? `SELECT x.${column} AS key, p.import_id, p.entry_id::text AS entry_id
           FROM ${target} x
           LEFT JOIN sled_import.provenance p ON p.target_table = $2 AND p.target_id = x.id AND p.outcome = 'loaded'
          WHERE x.${column} = ANY($1::text[])`
      : `SELECT x.${column} AS key, NULL::text AS import_id, NULL::text AS entry_id FROM ${target} x
          WHERE x.${column} = ANY($1::text[]) AND $2::text IS NOT NULL`,
    [keys, target],
  );
  for (const r of result.rows) {
    present.set(r.key, { importId: r.import_id, entryId: r.entry_id });
  }
  return present;
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
