/**
 * The statement of one batch of one target table: set-based (data-modifying
 * CTEs over unnest'ed arrays), it inserts the rows AND their provenance and
 * returns every entry's outcome; load-batch.ts runs it.
 *
 * Decisions, in this order, for each entry (the same whatever the batch size,
 * so a run killed and resumed with other batches gives the same rows):
 *   1. its (source, tree, key) is already in sled_import.provenance → the
 *      recorded outcome (this entry), a duplicate (another entry of this
 *      import) or 'already loaded by import X' (another import);
 *   2. a reason decided before PostgreSQL (a zero balance) → skipped;
 *   3. its natural key (public_key, tx_id, cache_key) is already in the table →
 *      a duplicate of the entry of this import that loaded it, else 'already present';
 *   4. an earlier entry of the batch has the same natural key → a duplicate of it;
 *   5. else inserted, with an id taken from the table's sequence beforehand
 *      (OVERRIDING SYSTEM VALUE), so each row maps back to its entry.
 */
import type { SledTarget } from '../../../common/sled';

export interface InputColumn {
  name: string;
  /** Element type of the parameter array. */
  type: string;
}

export interface TableSpec {
  target: SledTarget;
  /** Schema-qualified, quoted. */
  table: string;
  columns: readonly InputColumn[];
  /** Target column → SQL expression over `w` (the winners: input columns plus new_id). */
  insert: ReadonlyArray<readonly [column: string, expression: string]>;
  naturalKey: { column: string; input: string } | null;
  /** Balances: set blockchain.wallets.balance of the user's wallets to the minted amount. */
  updatesWalletBalances: boolean;
  /** Wallets under secrets = 'encrypt': the passphrase is the last parameter. */
  usesPassphrase: boolean;
}

const ENCRYPTED_SECRET =
  "CASE WHEN w.secret IS NULL THEN NULL ELSE public.armor(public.pgp_sym_encrypt(w.secret, $PASSPHRASE, 'cipher-algo=aes256')) END";

export function tableSpecs(
  encryptSecrets: boolean,
): Record<'wallet' | 'balance' | 'cache' | 'conversation' | 'fact', TableSpec> {
  return {
    wallet: {
      target: 'blockchain.wallets',
      table: 'blockchain.wallets',
      columns: [
        { name: 'user_id', type: 'uuid' },
        { name: 'public_key', type: 'text' },
        { name: 'wallet_type', type: 'text' },
        { name: 'created_at', type: 'timestamptz' },
        { name: 'metadata', type: 'jsonb' },
        { name: 'opening_tx_id', type: 'text' },
        { name: 'secret', type: 'text' },
      ],
      insert: [
        ['id', 'w.new_id'],
        ['user_id', 'w.user_id'],
        ['public_key', 'w.public_key'],
        ['encrypted_private_key', encryptSecrets ? ENCRYPTED_SECRET : 'NULL'],
        ['wallet_type', 'w.wallet_type'],
        // Normally 0 here and set by the balances; a wallet loaded after its user's mint takes the amount.
        [
          'balance',
          'COALESCE((SELECT t.amount FROM blockchain.fodi_transactions t WHERE t.tx_id = w.opening_tx_id), 0)',
        ],
        ['created_at', 'w.created_at'],
        ['metadata', 'w.metadata'],
      ],
      naturalKey: { column: 'public_key', input: 'public_key' },
      updatesWalletBalances: false,
      usesPassphrase: encryptSecrets,
    },
    balance: {
      target: 'blockchain.fodi_transactions',
      table: 'blockchain.fodi_transactions',
      columns: [
        { name: 'user_id', type: 'uuid' },
        { name: 'tx_id', type: 'text' },
        { name: 'to_address', type: 'text' },
        { name: 'amount', type: 'bigint' },
        { name: 'created_at', type: 'timestamptz' },
        { name: 'metadata', type: 'jsonb' },
      ],
      insert: [
        ['id', 'w.new_id'],
        ['tx_id', 'w.tx_id'],
        ['from_address', 'NULL'],
        ['to_address', 'w.to_address'],
        ['amount', 'w.amount'],
        ['tx_type', "'mint'"],
        ['status', "'confirmed'"],
        ['metadata', 'w.metadata'],
        ['created_at', 'w.created_at'],
        ['confirmed_at', 'w.created_at'],
      ],
      naturalKey: { column: 'tx_id', input: 'tx_id' },
      updatesWalletBalances: true,
      usesPassphrase: false,
    },
    cache: {
      target: 'ai.cache_entries',
      table: 'ai.cache_entries',
      columns: [
        { name: 'cache_key', type: 'text' },
        { name: 'query', type: 'text' },
        { name: 'response', type: 'text' },
        { name: 'model', type: 'text' },
        { name: 'cached_at', type: 'timestamptz' },
        { name: 'expires_at', type: 'timestamptz' },
        { name: 'hit_count', type: 'integer' },
        { name: 'quality_score', type: 'double precision' },
      ],
      insert: [
        ['id', 'w.new_id'],
        ['cache_key', 'w.cache_key'],
        ['query', 'w.query'],
        ['response', 'w.response'],
        ['model', 'w.model'],
        ['cached_at', 'w.cached_at'],
        ['expires_at', 'w.expires_at'],
        ['hit_count', 'w.hit_count'],
        ['quality_score', 'w.quality_score'],
      ],
      naturalKey: { column: 'cache_key', input: 'cache_key' },
      updatesWalletBalances: false,
      usesPassphrase: false,
    },
    conversation: {
      target: 'ai.conversations',
      table: 'ai.conversations',
      columns: [
        { name: 'user_id', type: 'uuid' },
        { name: 'session_id', type: 'uuid' },
        { name: 'content', type: 'text' },
        { name: 'metadata', type: 'jsonb' },
        { name: 'created_at', type: 'timestamptz' },
      ],
      insert: [
        ['id', 'w.new_id'],
        ['user_id', 'w.user_id'],
        ['session_id', 'w.session_id'],
        ['role', "'user'"],
        ['content', 'w.content'],
        ['metadata', 'w.metadata'],
        ['created_at', 'w.created_at'],
      ],
      naturalKey: null,
      updatesWalletBalances: false,
      usesPassphrase: false,
    },
    fact: {
      target: 'ai.memory_facts',
      table: 'ai.memory_facts',
      columns: [
        { name: 'user_id', type: 'uuid' },
        { name: 'fact_type', type: 'text' },
        { name: 'fact_data', type: 'jsonb' },
        { name: 'confidence', type: 'double precision' },
        { name: 'created_at', type: 'timestamptz' },
        { name: 'updated_at', type: 'timestamptz' },
      ],
      insert: [
        ['id', 'w.new_id'],
        ['user_id', 'w.user_id'],
        ['fact_type', 'w.fact_type'],
        ['fact_data', 'w.fact_data'],
        ['confidence', 'w.confidence'],
        ['created_at', 'w.created_at'],
        ['updated_at', 'w.updated_at'],
      ],
      naturalKey: null,
      updatesWalletBalances: false,
      usesPassphrase: false,
    },
  };
}

const COMMON_COLUMNS: readonly InputColumn[] = [
  { name: 'entry_id', type: 'bigint' },
  { name: 'source', type: 'text' },
  { name: 'tree', type: 'text' },
  { name: 'key_hex', type: 'text' },
  { name: 'pre_reason', type: 'text' },
];

/** The statement of a spec. Every identifier and expression is a constant of this file; every value is a parameter. */
export function batchStatement(spec: TableSpec): string {
  const all = [...COMMON_COLUMNS, ...spec.columns];
  const n = all.length;
  const IMPORT = `$${n + 1}::text`;
  const SEQUENCE = `$${n + 2}::regclass`;
  const TARGET = `$${n + 3}::text`;
  const PRESENT = `$${n + 4}::text`;
  const PASSPHRASE = `$${n + 5}::text`;
  const unnest = all.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  const names = all.map((c) => c.name).join(', ');
  const insertColumns = spec.insert.map(([column]) => column).join(', ');
  const insertValues = spec.insert.map(([, expression]) => expression.replaceAll('$PASSPHRASE', PASSPHRASE)).join(', ');
  const nk = spec.naturalKey;
  const parts: string[] = [
    `input AS MATERIALIZED (
       SELECT t.*, decode(t.key_hex, 'hex') AS sled_key FROM unnest(${unnest}) AS t(${names}))`,
    `held AS MATERIALIZED (
       SELECT i.entry_id, p.import_id, p.entry_id AS held_entry, p.outcome, p.reason, p.target_id
         FROM input i JOIN sled_import.provenance p ON p.source = i.source AND p.tree = i.tree AND p.sled_key = i.sled_key)`,
    `fresh AS MATERIALIZED (
       SELECT i.* FROM input i WHERE NOT EXISTS (SELECT 1 FROM held h WHERE h.entry_id = i.entry_id))`,
  ];
  let reason: string;
  if (nk) {
    parts.push(
      `present AS MATERIALIZED (
         SELECT f.entry_id, p.import_id AS by_import, p.entry_id AS by_entry
           FROM fresh f JOIN ${spec.table} x ON x.${nk.column} = f.${nk.input}
           LEFT JOIN sled_import.provenance p ON p.target_table = ${TARGET} AND p.target_id = x.id AND p.outcome = 'loaded'
          WHERE f.pre_reason IS NULL)`,
      `candidates AS MATERIALIZED (
         SELECT f.*, min(f.entry_id) OVER (PARTITION BY f.${nk.input}) AS first_entry
           FROM fresh f
          WHERE f.pre_reason IS NULL AND NOT EXISTS (SELECT 1 FROM present x WHERE x.entry_id = f.entry_id))`,
      `winners AS MATERIALIZED (
         SELECT c.*, nextval(${SEQUENCE}) AS new_id FROM candidates c WHERE c.first_entry = c.entry_id)`,
      `ins AS (
         INSERT INTO ${spec.table} (${insertColumns}) OVERRIDING SYSTEM VALUE
         SELECT ${insertValues} FROM winners w
         ON CONFLICT (${nk.column}) DO NOTHING
         RETURNING id)`,
    );
    reason = `CASE WHEN ins.id IS NOT NULL THEN NULL
                   WHEN f.pre_reason IS NOT NULL THEN f.pre_reason
                   WHEN x.entry_id IS NOT NULL AND x.by_import = ${IMPORT} THEN 'duplicate of entry ' || x.by_entry || ' in this import'
                   WHEN x.entry_id IS NOT NULL THEN ${PRESENT}
                   WHEN c.first_entry <> f.entry_id THEN 'duplicate of entry ' || c.first_entry || ' in this import'
                   ELSE ${PRESENT} END`;
  } else {
    parts.push(
      `winners AS MATERIALIZED (
         SELECT f.*, nextval(${SEQUENCE}) AS new_id FROM fresh f WHERE f.pre_reason IS NULL)`,
      `ins AS (
         INSERT INTO ${spec.table} (${insertColumns}) OVERRIDING SYSTEM VALUE
         SELECT ${insertValues} FROM winners w
         RETURNING id)`,
    );
    reason = `CASE WHEN ins.id IS NOT NULL THEN NULL ELSE coalesce(f.pre_reason, ${PRESENT}) END`;
  }
  parts.push(
    `decided AS MATERIALIZED (
       SELECT f.entry_id, f.source, f.tree, f.sled_key, ins.id AS target_id, ${reason} AS reason
         FROM fresh f
         LEFT JOIN winners w ON w.entry_id = f.entry_id
         LEFT JOIN ins ON ins.id = w.new_id
         ${nk ? 'LEFT JOIN present x ON x.entry_id = f.entry_id LEFT JOIN candidates c ON c.entry_id = f.entry_id' : ''})`,
    `prov AS (
       INSERT INTO sled_import.provenance (source, tree, sled_key, import_id, entry_id, target_table, target_id, outcome, reason)
       SELECT d.source, d.tree, d.sled_key, ${IMPORT}, d.entry_id, ${TARGET}, d.target_id,
              CASE WHEN d.target_id IS NULL THEN 'skipped' ELSE 'loaded' END, d.reason
         FROM decided d)`,
  );
  if (spec.updatesWalletBalances) {
    parts.push(
      `upd AS (
         UPDATE blockchain.wallets wl SET balance = w.amount
           FROM winners w JOIN ins ON ins.id = w.new_id
          WHERE wl.user_id = w.user_id
         RETURNING wl.id)`,
    );
  }
  const updated = spec.updatesWalletBalances ? '(SELECT count(*) FROM upd)::int' : '0';
  return `WITH ${parts.join(',\n')}
SELECT d.entry_id::text AS entry_id, CASE WHEN d.target_id IS NULL THEN 'skipped' ELSE 'loaded' END AS outcome,
       d.reason, d.target_id::text AS target_id, NULL::text AS held_import, NULL::text AS held_entry, ${updated} AS updated
  FROM decided d
UNION ALL
SELECT h.entry_id::text, h.outcome, h.reason, h.target_id::text, h.import_id, h.held_entry::text, 0
  FROM held h`;
}
