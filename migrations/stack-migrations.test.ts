import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, runSql, type TestDatabase } from '../test/helpers/postgres';

/**
 * The stack's migrations (001..006), applied the way a runner does: each file
 * as one simple query inside BEGIN/COMMIT, in version order, on a fresh database.
 */

const dir = fileURLToPath(new URL('.', import.meta.url));
const FILES = [
  '001_create_schemas.sql',
  '002_ai_tables.sql',
  '003_blockchain_tables.sql',
  '004_analytics_tables.sql',
  '005_functions.sql',
  '006_permissions.sql',
];
const read = (file: string) => fs.readFileSync(`${dir}/${file}`, 'utf8');

async function applyAll(client: pg.Client): Promise<void> {
  for (const file of FILES) {
    await client.query('BEGIN');
    try {
      await client.query(read(file));
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/**
 * Splits at semicolons outside comments, quoted strings, quoted identifiers and
 * dollar-quoted bodies: the files must come apart cleanly for a statement-by-statement runner.
 */
function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  while (i < sql.length) {
    const rest = sql.slice(i);
    if (rest.startsWith('--')) {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl + 1;
    } else if (rest.startsWith('/*')) {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) throw new Error('unterminated block comment');
      i = end + 2;
    } else if (sql[i] === "'" || sql[i] === '"') {
      const q = sql[i]!;
      let j = i + 1;
      for (;;) {
        j = sql.indexOf(q, j);
        if (j < 0) throw new Error(`unterminated ${q}`);
        if (sql[j + 1] === q) j += 2;
        else break;
      }
      i = j + 1;
    } else if (/^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.test(rest) && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(rest)![0];
      const end = sql.indexOf(tag, i + tag.length);
      if (end < 0) throw new Error(`unterminated ${tag}`);
      i = end + tag.length;
    } else if (sql[i] === ';') {
      out.push(sql.slice(start, i + 1));
      start = i + 1;
      i += 1;
    } else {
      i += 1;
    }
  }
  const tail = sql.slice(start);
  if (tail.replace(/--[^\n]*/g, '').trim() !== '') out.push(tail);
  return out.map((s) => s.trim()).filter((s) => s.replace(/--[^\n]*/g, '').trim() !== '');
}

const EXPECTED_COLUMNS: Record<string, string[]> = {
  'ai.cache_entries': [
    'id',
    'cache_key',
    'query',
    'response',
    'model',
    'cached_at',
    'expires_at',
    'hit_count',
    'quality_score',
  ],
  'ai.memory_facts': [
    'id',
    'user_id',
    'business_id',
    'fact_type',
    'fact_data',
    'confidence',
    'created_at',
    'updated_at',
  ],
  'ai.conversations': ['id', 'user_id', 'session_id', 'role', 'content', 'metadata', 'created_at'],
  'ai.learning_data': ['id', 'category', 'input_data', 'output_data', 'feedback_score', 'created_at'],
  'blockchain.fodi_transactions': [
    'id',
    'tx_id',
    'from_address',
    'to_address',
    'amount',
    'tx_type',
    'status',
    'blockchain_tx',
    'metadata',
    'created_at',
    'confirmed_at',
  ],
  'blockchain.wallets': [
    'id',
    'user_id',
    'public_key',
    'encrypted_private_key',
    'wallet_type',
    'balance',
    'created_at',
    'last_sync',
    'metadata',
  ],
  'blockchain.nft_metadata': [
    'id',
    'mint_address',
    'name',
    'symbol',
    'uri',
    'owner_address',
    'metadata',
    'created_at',
    'updated_at',
  ],
  'blockchain.reward_history': ['id', 'user_id', 'order_id', 'amount', 'reason', 'tx_id', 'created_at'],
  'analytics.metrics': ['id', 'metric_name', 'value', 'labels', 'recorded_at'],
  'analytics.events': ['id', 'event_type', 'user_id', 'business_id', 'event_data', 'created_at'],
};

const GIN_INDEXES = [
  'ai.memory_facts_fact_data_gin',
  'ai.conversations_metadata_gin',
  'ai.learning_data_input_data_gin',
  'ai.learning_data_output_data_gin',
  'blockchain.fodi_transactions_metadata_gin',
  'blockchain.nft_metadata_metadata_gin',
  'analytics.metrics_labels_gin',
  'analytics.events_event_data_gin',
];

const BTREE_INDEXES = [
  'ai.cache_entries_expires_at_idx',
  'ai.memory_facts_user_id_idx',
  'ai.memory_facts_business_id_idx',
  'ai.memory_facts_fact_type_idx',
  'ai.conversations_user_id_idx',
  'ai.conversations_session_id_created_at_idx',
  'ai.learning_data_category_idx',
  'blockchain.fodi_transactions_from_address_idx',
  'blockchain.fodi_transactions_to_address_idx',
  'blockchain.fodi_transactions_status_idx',
  'blockchain.fodi_transactions_created_at_idx',
  'blockchain.wallets_user_id_idx',
  'blockchain.nft_metadata_owner_address_idx',
  'blockchain.reward_history_user_id_idx',
  'blockchain.reward_history_tx_id_idx',
  'blockchain.reward_history_created_at_idx',
  'analytics.metrics_metric_name_recorded_at_idx',
  'analytics.events_event_type_created_at_idx',
  'analytics.events_user_id_idx',
  'analytics.events_created_at_idx',
];

describe('stack migrations 001..006', () => {
  let db: TestDatabase;
  let client: pg.Client;
  const notices: string[] = [];
  // Roles are cluster-wide: unique names, dropped after the database that holds their grants.
  const suffix = randomBytes(4).toString('hex');
  const appRole = `mig_app_${suffix}`;
  const roRole = `Mig RO ${suffix}`;

  beforeAll(async () => {
    db = await createTestDatabase('migrations');
    await runSql(inject('pgAdminUrl'), `CREATE ROLE "${appRole}"; CREATE ROLE "${roRole}"`);
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    client.on('notice', (n) => notices.push(n.message ?? ''));
    await applyAll(client);
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
    await runSql(inject('pgAdminUrl'), `DROP ROLE IF EXISTS "${appRole}"; DROP ROLE IF EXISTS "${roRole}"`);
  });

  it('are plain SQL: no transaction control, no psql meta-commands, clean statement split', () => {
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.sql'))).toEqual(FILES);
    for (const file of FILES) {
      const sql = read(file);
      expect(sql.startsWith('-- '), file).toBe(true);
      expect(sql, file).not.toMatch(/^\s*\\/m);
      const statements = splitStatements(sql);
      expect(statements.length, file).toBeGreaterThan(0);
      for (const s of statements) {
        const body = s.replace(/--[^\n]*\n/g, '').trim();
        expect(body, file).not.toMatch(/^(BEGIN|COMMIT|ROLLBACK|START TRANSACTION)\b/i);
        expect(body.endsWith(';'), `${file}: ${body.slice(0, 60)}`).toBe(true);
      }
    }
  });

  it('also apply statement by statement, as split above, on another fresh database', async () => {
    const other = await createTestDatabase('migrations_split');
    const c = new pg.Client({ connectionString: other.url });
    await c.connect();
    try {
      const counts: Record<string, number> = {};
      for (const file of FILES) {
        const statements = splitStatements(read(file));
        counts[file] = statements.length;
        await c.query('BEGIN');
        for (const s of statements) await c.query(s);
        await c.query('COMMIT');
      }
      expect(counts).toEqual({
        '001_create_schemas.sql': 7,
        '002_ai_tables.sql': 18,
        '003_blockchain_tables.sql': 19,
        '004_analytics_tables.sql': 16,
        '005_functions.sql': 8,
        '006_permissions.sql': 1,
      });
      const { rows } = await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_class WHERE relnamespace::regnamespace::text IN ('ai', 'blockchain', 'analytics')`,
      );
      expect(rows[0]!.n).toBeGreaterThan(50);
    } finally {
      await c.end();
      await other.drop();
    }
  });

  it('creates the three schemas and pgcrypto', async () => {
    const { rows } = await client.query<{ nspname: string }>(
      `SELECT nspname FROM pg_namespace WHERE nspname IN ('ai', 'blockchain', 'analytics') ORDER BY 1`,
    );
    expect(rows.map((r) => r.nspname)).toEqual(['ai', 'analytics', 'blockchain']);
    const ext = await client.query(`SELECT 1 FROM pg_extension WHERE extname = 'pgcrypto'`);
    expect(ext.rowCount).toBe(1);
  });

  it('creates every table with its columns and an identity primary key', async () => {
    const { rows } = await client.query<{ t: string; columns: string[] }>(
      `SELECT table_schema || '.' || table_name AS t, array_agg(column_name::text ORDER BY ordinal_position) AS columns
         FROM information_schema.columns
        WHERE table_schema IN ('ai', 'blockchain', 'analytics')
        GROUP BY 1`,
    );
    expect(Object.fromEntries(rows.map((r) => [r.t, r.columns]))).toEqual(EXPECTED_COLUMNS);
    const pk = await client.query<{ t: string; def: string; identity: string }>(
      `SELECT c.conrelid::regclass::text AS t, pg_get_constraintdef(c.oid) AS def, a.attidentity AS identity
         FROM pg_constraint c
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'p' AND c.connamespace::regnamespace::text IN ('ai', 'blockchain', 'analytics')`,
    );
    expect(pk.rows.map((r) => r.t).sort()).toEqual(Object.keys(EXPECTED_COLUMNS).sort());
    for (const r of pk.rows) expect([r.t, r.def, r.identity]).toEqual([r.t, 'PRIMARY KEY (id)', 'a']);
  });

  it('creates the named B-tree and GIN indexes and the unique keys', async () => {
    const { rows } = await client.query<{ name: string; method: string; is_unique: boolean }>(
      `SELECT n.nspname || '.' || i.relname AS name, am.amname AS method, x.indisunique AS is_unique
         FROM pg_index x
         JOIN pg_class i ON i.oid = x.indexrelid
         JOIN pg_namespace n ON n.oid = i.relnamespace
         JOIN pg_am am ON am.oid = i.relam
        WHERE n.nspname IN ('ai', 'blockchain', 'analytics')`,
    );
    const byName = new Map(rows.map((r) => [r.name, r]));
    for (const name of GIN_INDEXES) expect(byName.get(name)?.method, name).toBe('gin');
    for (const name of BTREE_INDEXES) expect(byName.get(name)?.method, name).toBe('btree');
    for (const name of [
      'ai.cache_entries_cache_key_key',
      'blockchain.fodi_transactions_tx_id_key',
      'blockchain.wallets_public_key_key',
      'blockchain.nft_metadata_mint_address_key',
    ]) {
      expect(byName.get(name)?.is_unique, name).toBe(true);
    }
    // No GIN index beyond the intended ones.
    expect(rows.filter((r) => r.method === 'gin').map((r) => r.name)).toHaveLength(GIN_INDEXES.length);
  });

  it('gives analytics.daily_stats a unique index on plain columns (day, event_type)', async () => {
    const { rows } = await client.query<{ def: string; unique: boolean; partial: boolean; populated: boolean }>(
      `SELECT pg_get_indexdef(x.indexrelid) AS def, x.indisunique AS unique, x.indpred IS NOT NULL AS partial,
              m.ispopulated AS populated
         FROM pg_index x
         JOIN pg_matviews m ON (m.schemaname || '.' || m.matviewname)::regclass = x.indrelid
        WHERE m.schemaname = 'analytics' AND m.matviewname = 'daily_stats'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ unique: true, partial: false, populated: true });
    expect(rows[0]!.def).toContain('daily_stats_day_event_type_idx');
    expect(rows[0]!.def).toMatch(/\(day, event_type\)$/);
  });

  it('enforces the CHECK constraints', async () => {
    const fails = async (sql: string) => {
      await expect(client.query(sql)).rejects.toMatchObject({ code: '23514' });
    };
    await fails(`INSERT INTO ai.conversations (role, content) VALUES ('bot', 'hi')`);
    await fails(`INSERT INTO ai.memory_facts (fact_type, fact_data, confidence) VALUES ('x', '{}', 1.5)`);
    await fails(`INSERT INTO ai.cache_entries (cache_key, query, response, expires_at, hit_count)
                 VALUES ('neg', 'q', 'r', now(), -1)`);
    await fails(`INSERT INTO blockchain.fodi_transactions (tx_id, to_address, amount, tx_type)
                 VALUES ('bad-type', 'a', 1, 'gift')`);
    await fails(`INSERT INTO blockchain.fodi_transactions (tx_id, to_address, amount, tx_type, status)
                 VALUES ('bad-status', 'a', 1, 'mint', 'lost')`);
    const tx = await client.query(
      `INSERT INTO blockchain.fodi_transactions (tx_id, to_address, amount, tx_type)
       VALUES ('ok-1', 'a', 1, 'mint') RETURNING status`,
    );
    expect(tx.rows).toEqual([{ status: 'pending' }]);
    const msg = await client.query<{ session_id: string }>(
      `INSERT INTO ai.conversations (role, content) VALUES ('tool', 'x') RETURNING session_id::text`,
    );
    expect(msg.rows[0]!.session_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets reward_history.tx_id to NULL when its transaction is deleted', async () => {
    const fk = await client.query<{ def: string; deltype: string }>(
      `SELECT pg_get_constraintdef(oid) AS def, confdeltype AS deltype FROM pg_constraint
        WHERE conrelid = 'blockchain.reward_history'::regclass AND contype = 'f'`,
    );
    expect(fk.rows).toEqual([
      {
        def: 'FOREIGN KEY (tx_id) REFERENCES blockchain.fodi_transactions(tx_id) ON DELETE SET NULL',
        deltype: 'n',
      },
    ]);
    await client.query(
      `INSERT INTO blockchain.fodi_transactions (tx_id, to_address, amount, tx_type) VALUES ('fk-1', 'w', 50, 'reward')`,
    );
    const inserted = await client.query<{ id: string }>(
      `INSERT INTO blockchain.reward_history (user_id, order_id, amount, reason, tx_id)
       VALUES (gen_random_uuid(), 7, 50, 'order', 'fk-1') RETURNING id`,
    );
    await client.query(`DELETE FROM blockchain.fodi_transactions WHERE tx_id = 'fk-1'`);
    const after = await client.query(`SELECT tx_id FROM blockchain.reward_history WHERE id = $1`, [
      inserted.rows[0]!.id,
    ]);
    expect(after.rows).toEqual([{ tx_id: null }]);
  });

  it('refresh_daily_stats() refreshes the view by UTC day, whatever the session TimeZone', async () => {
    await client.query(`SET TimeZone = 'Pacific/Auckland'`);
    try {
      await client.query(
        `INSERT INTO analytics.events (event_type, user_id, event_data, created_at) VALUES
           ('order', '11111111-1111-1111-1111-111111111111', '{"n": 1}', '2025-03-01 23:30:00+00'),
           ('order', '11111111-1111-1111-1111-111111111111', '{"n": 2}', '2025-03-01 00:10:00+00'),
           ('order', '22222222-2222-2222-2222-222222222222', '{"n": 3}', '2025-03-01 12:00:00+00'),
           ('login', NULL, '{}', '2025-03-02 00:00:00+00')`,
      );
      await client.query('SELECT analytics.refresh_daily_stats()');
      const { rows } = await client.query(
        `SELECT day::text, event_type, event_count::int, unique_users::int
           FROM analytics.daily_stats ORDER BY day, event_type`,
      );
      expect(rows).toEqual([
        { day: '2025-03-01', event_type: 'order', event_count: 3, unique_users: 2 },
        { day: '2025-03-02', event_type: 'login', event_count: 1, unique_users: 0 },
      ]);
      // A second concurrent refresh with new rows merges them in.
      await client.query(`INSERT INTO analytics.events (event_type, event_data, created_at)
                          VALUES ('login', '{}', '2025-03-02 08:00:00+00')`);
      await client.query('SELECT analytics.refresh_daily_stats()');
      const login = await client.query(
        `SELECT event_count::int FROM analytics.daily_stats WHERE day = '2025-03-02' AND event_type = 'login'`,
      );
      expect(login.rows).toEqual([{ event_count: 2 }]);
    } finally {
      await client.query('RESET TimeZone');
    }
  });

  it('cleanup_expired_cache() deletes the expired entries and returns how many', async () => {
    await client.query(
      `INSERT INTO ai.cache_entries (cache_key, query, response, model, expires_at) VALUES
         ('old-1', 'q', 'r', 'm', now() - interval '1 minute'),
         ('old-2', 'q', 'r', 'm', now() - interval '2 days'),
         ('old-3', 'q', 'r', 'm', now() - interval '1 hour'),
         ('fresh', 'q', 'r', 'm', now() + interval '1 hour')`,
    );
    const first = await client.query<{ n: number }>('SELECT ai.cleanup_expired_cache() AS n');
    expect(first.rows[0]!.n).toBe(3);
    const second = await client.query<{ n: number }>('SELECT ai.cleanup_expired_cache() AS n');
    expect(second.rows[0]!.n).toBe(0);
    const left = await client.query(`SELECT cache_key FROM ai.cache_entries WHERE cache_key IN ('old-1', 'fresh')`);
    expect(left.rows).toEqual([{ cache_key: 'fresh' }]);
  });

  it('keeps updated_at current on ai.memory_facts and blockchain.nft_metadata', async () => {
    const fact = await client.query<{ id: string }>(
      `INSERT INTO ai.memory_facts (user_id, fact_type, fact_data, created_at, updated_at)
       VALUES (gen_random_uuid(), 'preference', '{"likes": "tea"}', now() - interval '1 day', now() - interval '1 day')
       RETURNING id`,
    );
    await client.query(`UPDATE ai.memory_facts SET confidence = 0.5 WHERE id = $1`, [fact.rows[0]!.id]);
    const f = await client.query<{ fresh: boolean; created_kept: boolean }>(
      `SELECT updated_at > now() - interval '1 minute' AS fresh, created_at < now() - interval '23 hours' AS created_kept
         FROM ai.memory_facts WHERE id = $1`,
      [fact.rows[0]!.id],
    );
    expect(f.rows).toEqual([{ fresh: true, created_kept: true }]);

    await client.query(
      `INSERT INTO blockchain.nft_metadata (mint_address, symbol, updated_at) VALUES ('mint-1', 'FODI', now() - interval '1 day')`,
    );
    await client.query(`UPDATE blockchain.nft_metadata SET owner_address = 'owner-1' WHERE mint_address = 'mint-1'`);
    const n = await client.query(
      `SELECT updated_at > now() - interval '1 minute' AS fresh FROM blockchain.nft_metadata WHERE mint_address = 'mint-1'`,
    );
    expect(n.rows).toEqual([{ fresh: true }]);
  });

  it('pins search_path on every function', async () => {
    const { rows } = await client.query<{ fn: string; config: string[] | null; secdef: boolean }>(
      `SELECT p.oid::regprocedure::text AS fn, p.proconfig AS config, p.prosecdef AS secdef
         FROM pg_proc p WHERE p.pronamespace::regnamespace::text IN ('ai', 'blockchain', 'analytics') ORDER BY 1`,
    );
    expect(rows.map((r) => r.fn)).toEqual([
      'ai.cleanup_expired_cache()',
      'ai.touch_updated_at()',
      'analytics.refresh_daily_stats()',
    ]);
    for (const r of rows) expect(r.config, r.fn).toEqual(['search_path=pg_catalog, pg_temp']);
    expect(rows.filter((r) => r.secdef).map((r) => r.fn)).toEqual(['analytics.refresh_daily_stats()']);
  });

  it('applies all six files a second time without error and keeps the data', async () => {
    const before = await client.query<{ n: string }>('SELECT count(*) AS n FROM analytics.events');
    await applyAll(client);
    const after = await client.query<{ n: string }>('SELECT count(*) AS n FROM analytics.events');
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
    const triggers = await client.query<{ tgname: string }>(
      `SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname`,
    );
    expect(triggers.rows.map((r) => r.tgname)).toEqual([
      'memory_facts_touch_updated_at',
      'nft_metadata_touch_updated_at',
    ]);
    await client.query('SELECT analytics.refresh_daily_stats()');
  });

  it('006 without ops_console.app_role grants to current_user and tells so', () => {
    expect(notices).toContain('ops_console.app_role: granted to ' + new URL(db.url).username);
  });

  describe('006 with the role settings', () => {
    async function apply006(options: string): Promise<string[]> {
      const c = new pg.Client({ connectionString: db.url, options });
      const seen: string[] = [];
      c.on('notice', (n) => seen.push(n.message ?? ''));
      await c.connect();
      try {
        await c.query('BEGIN');
        await c.query(read('006_permissions.sql'));
        await c.query('COMMIT');
      } finally {
        await c.end();
      }
      return seen;
    }

    it('skips a role that does not exist, with a notice', async () => {
      const seen = await apply006(`-c ops_console.app_role=no_such_role_${suffix}`);
      expect(seen).toEqual([
        `ops_console.app_role: role no_such_role_${suffix} does not exist, application grants skipped`,
      ]);
    });

    it('grants read/write to the app role and SELECT to the read-only role (quoted names)', async () => {
      const seen = await apply006(
        `-c ops_console.app_role=${appRole} -c ops_console.readonly_role=${roRole.replace(/ /g, '\\ ')}`,
      );
      expect(seen).toEqual([
        `ops_console.app_role: granted to ${appRole}`,
        `ops_console.readonly_role: granted to ${roRole}`,
      ]);
      const { rows } = await client.query(
        `SELECT r AS role,
                has_schema_privilege(r, 'blockchain', 'USAGE') AS usage,
                has_table_privilege(r, 'ai.memory_facts', 'SELECT') AS select,
                has_table_privilege(r, 'blockchain.wallets', 'INSERT')
                  AND has_table_privilege(r, 'blockchain.wallets', 'UPDATE')
                  AND has_table_privilege(r, 'blockchain.wallets', 'DELETE') AS write,
                has_table_privilege(r, 'analytics.daily_stats', 'SELECT') AS matview,
                has_sequence_privilege(r, 'analytics.events_id_seq', 'USAGE') AS seq,
                has_function_privilege(r, 'analytics.refresh_daily_stats()', 'EXECUTE') AS refresh,
                has_function_privilege(r, 'ai.cleanup_expired_cache()', 'EXECUTE') AS cleanup
           FROM unnest($1::text[]) AS r`,
        [[appRole, roRole]],
      );
      expect(rows).toEqual([
        {
          role: appRole,
          usage: true,
          select: true,
          write: true,
          matview: true,
          seq: true,
          refresh: true,
          cleanup: true,
        },
        // cleanup_expired_cache() keeps the default EXECUTE for PUBLIC, but needs DELETE to do anything.
        {
          role: roRole,
          usage: true,
          select: true,
          write: false,
          matview: true,
          seq: false,
          refresh: false,
          cleanup: true,
        },
      ]);

      // The app role can do its job without owning anything, including the SECURITY DEFINER refresh.
      await client.query(`SET ROLE "${appRole}"`);
      try {
        await client.query(`INSERT INTO analytics.events (event_type, event_data) VALUES ('app', '{}')`);
        await client.query('SELECT analytics.refresh_daily_stats()');
        await client.query('SELECT ai.cleanup_expired_cache()');
      } finally {
        await client.query('RESET ROLE');
      }

      // Tables created later by the migrating role inherit the grants.
      await client.query('CREATE TABLE analytics.later (id int)');
      const later = await client.query(
        `SELECT has_table_privilege($1, 'analytics.later', 'INSERT') AS app,
                has_table_privilege($2, 'analytics.later', 'SELECT') AS ro,
                has_table_privilege($2, 'analytics.later', 'INSERT') AS ro_write`,
        [appRole, roRole],
      );
      expect(later.rows).toEqual([{ app: true, ro: true, ro_write: false }]);
    });
  });
});
