/**
 * The statement of one batch of one target table: set-based (data-modifying
 * CTEs over the batch's rows, sent as one JSON array per column), it inserts the rows AND their provenance and
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
 * Rule 3 before 4 and 'the first entry' of a natural key counted among the
 * entries rules 1–3 leave: exactly what one entry at a time would give.
 */
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { SledTarget } from '../../../common/sled';
import { quoteIdent, quoteQualified } from '../catalog/quote';

/** A target as SQL: schema and table, each quoted as quote_ident would. */
export function targetSql(target: SledTarget): string {
  const [schema = '', table = ''] = target.split('.');
  return quoteQualified(schema, table);
}

export interface InputColumn {
  name: string;
  /** Its PostgreSQL type (the input value's text is cast to it). */
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
  /**
   * Balances: set blockchain.wallets.balance of the user's wallets that exist
   * already to the minted amount ('updates'). Wallets: a wallet inserted after
   * its user's mint takes the amount ('takes'). Either way the run counts the
   * wallets whose balance it set (sled_import.loads.wallets_updated).
   */
  walletBalances: 'updates' | 'takes' | null;
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
      table: targetSql('blockchain.wallets'),
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
        // The balances load first: a wallet takes its user's minted amount (0 without a mint).
        [
          'balance',
          'COALESCE((SELECT t.amount FROM blockchain.fodi_transactions t WHERE t.tx_id = w.opening_tx_id), 0)',
        ],
        ['created_at', 'w.created_at'],
        ['metadata', 'w.metadata'],
      ],
      naturalKey: { column: 'public_key', input: 'public_key' },
      walletBalances: 'takes',
      usesPassphrase: encryptSecrets,
    },
    balance: {
      target: 'blockchain.fodi_transactions',
      table: targetSql('blockchain.fodi_transactions'),
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
      walletBalances: 'updates',
      usesPassphrase: false,
    },
    cache: {
      target: 'ai.cache_entries',
      table: targetSql('ai.cache_entries'),
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
      walletBalances: null,
      usesPassphrase: false,
    },
    conversation: {
      target: 'ai.conversations',
      table: targetSql('ai.conversations'),
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
      walletBalances: null,
      usesPassphrase: false,
    },
    fact: {
      target: 'ai.memory_facts',
      table: targetSql('ai.memory_facts'),
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
      walletBalances: null,
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

/** The statement's input columns, in parameter order: the common ones, then the spec's. */
export function inputColumns(spec: TableSpec): readonly InputColumn[] {
  return [...COMMON_COLUMNS, ...spec.columns];
}

/**
 * The batch's input rows from $1 … $n, one JSON array per column (batchParams),
 * with their columns' names and types.
 *
 * Each column's array as rows (ROWS FROM zips them), each value's text cast to
 * its column's type: about 40 % less server time than json_to_recordset over
 * one array of objects, which builds a hash table per object, and the same
 * values. The planner still takes it for 100 rows, as it did json_to_recordset.
 * A jsonb column takes each element as JSON (a string stays a JSON string),
 * JSON null as SQL NULL.
 */
export function inputRows(columns: readonly InputColumn[]): string {
  const names = columns.map((c) => quoteIdent(c.name));
  const value = (c: InputColumn, name: string) =>
    c.type === 'jsonb' ? `nullif(c.${name}::jsonb, 'null'::jsonb)` : `c.${name}::${c.type}`;
  const elements = (c: InputColumn, i: number) =>
    `${c.type === 'jsonb' ? 'json_array_elements' : 'json_array_elements_text'}($${i + 1}::json)`;
  return `SELECT ${columns.map((c, i) => `${value(c, names[i]!)} AS ${names[i]}`).join(', ')}
                  FROM ROWS FROM (${columns.map(elements).join(', ')})
                       AS c(${names.join(', ')})`;
}

const STATEMENT_PREFIX = 'sled_load_';

/**
 * A statement with a name of its own: a named (prepared) statement is parsed
 * and planned once per load, where an unnamed one is planned at every batch
 * (tens of ms for these CTEs). The name is the load's and the text's: the
 * load deallocates its statements at the end (deallocateStatements), so no
 * pooled connection keeps them, and a name is never used for a second text.
 */
export function namedStatement(text: string, load: string): { name: string; text: string } {
  return { name: `${STATEMENT_PREFIX}${load}_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`, text };
}

/** A fresh name part for one load's statements (node-pg remembers a name it prepared for the connection's life). */
export function statementLoadId(): string {
  return randomBytes(6).toString('hex');
}

/** Deallocates the statements one load prepared on this connection. */
export async function deallocateStatements(client: pg.ClientBase, load: string): Promise<void> {
  const prepared = await client.query<{ name: string }>(
    'SELECT name FROM pg_prepared_statements WHERE starts_with(name, $1)',
    [`${STATEMENT_PREFIX}${load}_`],
  );
  for (const { name } of prepared.rows) await client.query(`DEALLOCATE ${quoteIdent(name)}`);
}

/**
 * The statement of a spec. Every identifier and expression is a constant of
 * this file; every value is a parameter.
 *
 * Shape: the input is joined once to the provenance and the target's natural
 * key (index lookups, the input's size is known to the planner), one window
 * finds the first entry of each natural key, one projection decides and takes
 * the ids; the INSERTs and the UPDATE then read that one CTE. No CTE is joined
 * to another (the planner has no statistics for them and would loop).
 */
export function batchStatement(spec: TableSpec): string {
  const all = inputColumns(spec);
  // $1 … $n: the input columns (batchParams' order), then the batch's constants.
  const after = (k: number) => `$${all.length + k}`;
  const IMPORT = `${after(1)}::text`;
  const SEQUENCE = `${after(2)}::regclass`;
  const TARGET = `${after(3)}::text`;
  const PRESENT = `${after(4)}::text`;
  const RUN = `${after(5)}::bigint`;
  const PASSPHRASE = `${after(6)}::text`;
  const input = inputRows(all);
  const insertColumns = spec.insert.map(([column]) => quoteIdent(column)).join(', ');
  const insertValues = spec.insert.map(([, expression]) => expression.replaceAll('$PASSPHRASE', PASSPHRASE)).join(', ');
  const nk = spec.naturalKey && {
    column: quoteIdent(spec.naturalKey.column),
    input: quoteIdent(spec.naturalKey.input),
  };
  const open = 'a.held_import IS NULL AND a.pre_reason IS NULL' + (nk ? ' AND a.present_id IS NULL' : '');
  // One materialized CTE (the rows are copied once): the input, joined per row to the provenance and the
  // target's natural key, one window for the first entry of each natural key, the decision and the id.
  // LATERAL … LIMIT 1 keeps the joins index lookups per input row: a hash join would read the whole
  // provenance (or target) table in every batch, and those grow with the load.
  const annotated = `
             SELECT i.*, p.import_id AS held_import, p.entry_id AS held_entry, p.outcome AS held_outcome,
                    p.reason AS held_reason, p.target_id AS held_target,
                    ${nk ? 'x.present_id, x.by_import, x.by_entry' : 'NULL::bigint AS present_id, NULL::text AS by_import, NULL::bigint AS by_entry'}
               FROM (SELECT t.*, decode(t.key_hex, 'hex') AS sled_key FROM (${input}) t) i
               LEFT JOIN LATERAL (
                 SELECT p.import_id, p.entry_id, p.outcome, p.reason, p.target_id FROM sled_import.provenance p
                  WHERE p.source = i.source AND p.tree = i.tree AND p.sled_key = i.sled_key LIMIT 1) p ON true
               ${
                 nk
                   ? `LEFT JOIN LATERAL (
                 SELECT x.id AS present_id, xp.import_id AS by_import, xp.entry_id AS by_entry
                   FROM ${spec.table} x
                   LEFT JOIN sled_import.provenance xp
                     ON xp.target_table = ${TARGET} AND xp.target_id = x.id AND xp.outcome = 'loaded'
                  WHERE x.${nk.column} = i.${nk.input} AND i.pre_reason IS NULL LIMIT 1) x ON true`
                   : ''
               }`;
  const firstEntry = nk ? `min(a.entry_id) FILTER (WHERE ${open}) OVER (PARTITION BY a.${nk.input})` : 'a.entry_id';
  const parts = [
    `decided AS MATERIALIZED (
       SELECT r.*, CASE WHEN r.winner THEN nextval(${SEQUENCE}) END AS new_id,
              CASE WHEN r.held_import IS NOT NULL OR r.winner THEN NULL
                   WHEN r.pre_reason IS NOT NULL THEN r.pre_reason
                   WHEN r.present_id IS NOT NULL AND r.by_import = ${IMPORT} THEN 'duplicate of entry ' || r.by_entry || ' in this import'
                   WHEN r.present_id IS NOT NULL THEN ${PRESENT}
                   ELSE 'duplicate of entry ' || r.first_entry || ' in this import' END AS reason
         FROM (SELECT w.*, (w.open AND w.first_entry = w.entry_id) AS winner
                 FROM (SELECT a.*, ${firstEntry} AS first_entry, (${open}) AS open FROM (${annotated}) a) w) r)`,
    // No ON CONFLICT: the natural keys were looked up above under the load lock. A row someone else
    // writes in between fails the batch with a unique violation; it is isolated and skipped next time.
    `ins AS (
       INSERT INTO ${spec.table} (${insertColumns}) OVERRIDING SYSTEM VALUE
       SELECT ${insertValues} FROM decided w WHERE w.winner${spec.walletBalances === 'takes' ? '\n       RETURNING balance' : ''})`,
    `prov AS (
       INSERT INTO sled_import.provenance (source, tree, sled_key, import_id, entry_id, target_table, target_id, outcome, reason)
       SELECT d.source, d.tree, d.sled_key, ${IMPORT}, d.entry_id, ${TARGET}, d.new_id,
              CASE WHEN d.winner THEN 'loaded' ELSE 'skipped' END, d.reason
         FROM decided d WHERE d.held_import IS NULL)`,
  ];
  if (spec.walletBalances === 'updates') {
    parts.push(
      `upd AS (
         UPDATE blockchain.wallets wl SET balance = d.amount FROM decided d
          WHERE d.winner AND wl.user_id = d.user_id
         RETURNING wl.id)`,
    );
  }
  // A minted amount is never 0 (a zero balance is skipped), so a wallet inserted with a balance took one.
  const updated =
    spec.walletBalances === 'updates'
      ? '(SELECT count(*) FROM upd)::int'
      : spec.walletBalances === 'takes'
        ? '(SELECT count(*) FROM ins WHERE ins.balance <> 0)::int'
        : '0';
  // The run's counters move with its rows (the same transaction).
  parts.push(
    `counted AS (
       UPDATE sled_import.loads l
          SET loaded = l.loaded + c.n_loaded, skipped = l.skipped + c.n_skipped,
              wallets_updated = l.wallets_updated + ${updated}
         FROM (SELECT count(*) FILTER (WHERE winner) AS n_loaded,
                      count(*) FILTER (WHERE held_import IS NULL AND NOT winner) AS n_skipped
                 FROM decided) c
        WHERE l.id = ${RUN})`,
  );
  return `WITH ${parts.join(',\n')}
SELECT d.entry_id::text AS entry_id,
       CASE WHEN d.held_import IS NOT NULL THEN d.held_outcome WHEN d.winner THEN 'loaded' ELSE 'skipped' END AS outcome,
       CASE WHEN d.held_import IS NOT NULL THEN d.held_reason ELSE d.reason END AS reason,
       coalesce(d.held_target, d.new_id)::text AS target_id,
       d.held_import, d.held_entry::text AS held_entry, ${updated} AS updated
  FROM decided d`;
}
