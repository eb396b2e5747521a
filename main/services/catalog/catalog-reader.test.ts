import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogModel } from '../../../common/catalog';
import { createTestDatabase, runSql, type TestDatabase } from '../../../test/helpers/postgres';
import { CatalogReader } from './catalog-reader';
import { findRelation, memoryLogger, STACK_CATALOG_SQL } from './test-support';

describe('CatalogReader on the stack fixture', () => {
  let db: TestDatabase;
  let client: pg.Client;
  let model: CatalogModel;
  let serverMajor: number;
  const logger = memoryLogger();

  beforeAll(async () => {
    db = await createTestDatabase('catalog');
    await runSql(db.url, STACK_CATALOG_SQL);
    // Extension members are the extension's business: make some by hand and expect them left out.
    await runSql(
      db.url,
      `CREATE TABLE public.ext_member_table (id int);
       CREATE FUNCTION public.ext_member_fn() RETURNS int LANGUAGE sql AS 'SELECT 1';
       CREATE TYPE public.ext_member_enum AS ENUM ('x');
       ALTER EXTENSION plpgsql ADD TABLE public.ext_member_table;
       ALTER EXTENSION plpgsql ADD FUNCTION public.ext_member_fn();
       ALTER EXTENSION plpgsql ADD TYPE public.ext_member_enum;
       ANALYZE public."User", public."BusinessSubscription", analytics.events;`,
    );
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    model = await new CatalogReader({ logger, sizes: 'exact' }).read(client);
    serverMajor = Number(/^(\d+)/.exec(model.serverVersion)?.[1]);
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('describes the database and leaves system schemas out', () => {
    expect(model.database).toBe(db.name);
    expect(model.serverVersion).toMatch(/^\d+/);
    expect(new Date(model.capturedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(model.durationMs).toBeGreaterThanOrEqual(0);
    expect(model.schemas.map((s) => s.name)).toEqual(['ai', 'analytics', 'blockchain', 'public']);
    expect(model.schemas.find((s) => s.name === 'analytics')).toMatchObject({
      comment: 'metrics and events',
      owner: 'postgres',
      isSystem: false,
    });
    expect(model.schemas.find((s) => s.name === 'ai')?.comment).toBe('embeddings, caches and conversations');
    expect(model.schemas.find((s) => s.name === 'blockchain')?.comment).toBeNull();
  });

  it('lists every relation with its kind, and none of an extension', () => {
    const kinds = model.relations.map((r) => `${r.schema}.${r.name}:${r.kind}`);
    expect(kinds).toEqual([
      'ai.cache_entries:table',
      'ai.conversations:table',
      'ai.t:table',
      'analytics.active_emails:view',
      'analytics.active_subscriptions:view',
      'analytics.daily_event_counts:materialized_view',
      'analytics.events:partitioned_table',
      'analytics.events_2025:table',
      'analytics.legacy_kv:foreign_table',
      'analytics.maintenance_windows:table',
      'blockchain.reward_history:table',
      'blockchain.wallets:table',
      'public.BusinessSubscription:table',
      'public.User:table',
    ]);
    expect(model.functions.map((f) => f.name)).not.toContain('ext_member_fn');
    expect(model.enums.map((e) => e.name)).not.toContain('ext_member_enum');
  });

  it('reads column types with their full text, arrays, enums and domains', () => {
    const user = findRelation(model, 'public', 'User');
    expect(user.columns.map((c) => [c.position, c.name, c.type])).toEqual([
      [1, 'id', 'bigint'],
      [2, 'emailAddress', 'character varying(255)'],
      [3, 'displayName', 'text'],
      [4, 'createdAt', 'timestamp with time zone'],
      [5, 'updatedAt', 'timestamp with time zone'],
      [6, 'tags', 'text[]'],
      [7, 'profile', 'jsonb'],
    ]);
    expect(user.columns[5]).toMatchObject({ typeCategory: 'array', elementType: 'text', default: "'{}'::text[]" });
    expect(user.columns[1]).toMatchObject({ nullable: false, comment: 'As typed at sign-up', typeCategory: 'base' });
    expect(user.columns[2]).toMatchObject({ nullable: true, default: null, comment: null });
    expect(user.columns[3]?.default).toBe('now()');

    const sub = findRelation(model, 'public', 'BusinessSubscription');
    const col = (name: string) => sub.columns.find((c) => c.name === name);
    expect(col('monthlyPrice')).toMatchObject({ type: 'numeric(10,2)', nullable: false });
    expect(col('status')).toMatchObject({
      type: 'public.subscription_status',
      typeCategory: 'enum',
      default: "'trialing'::public.subscription_status",
    });
    expect(col('validDuring')).toMatchObject({ type: 'tstzrange', typeCategory: 'range' });
    expect(col('invoiceNumber')?.default).toBe("nextval('public.invoice_number_seq'::regclass)");

    const wallet = findRelation(model, 'blockchain', 'wallets');
    expect(wallet.columns.find((c) => c.name === 'balance')).toMatchObject({
      type: 'blockchain.positive_amount',
      typeCategory: 'domain',
      elementType: 'numeric(20,0)',
      default: '0',
    });
    const rewards = findRelation(model, 'blockchain', 'reward_history');
    expect(rewards.columns.find((c) => c.name === 'block_numbers')).toMatchObject({
      type: 'integer[]',
      typeCategory: 'array',
      elementType: 'integer',
    });
    const conversations = findRelation(model, 'ai', 'conversations');
    expect(conversations.columns.find((c) => c.name === 'mood')).toMatchObject({
      type: 'ai."Mood"',
      typeCategory: 'enum',
      nullable: true,
    });
    expect(conversations.columns.find((c) => c.name === 'id')?.default).toBe('gen_random_uuid()');
  });

  it('reads identity and generated columns', () => {
    const user = findRelation(model, 'public', 'User');
    expect(user.columns[0]).toMatchObject({ identity: 'always', default: null, generated: null });
    const sub = findRelation(model, 'public', 'BusinessSubscription');
    expect(sub.columns[0]).toMatchObject({ name: 'id', identity: 'by_default' });
    expect(sub.columns.find((c) => c.name === 'totalPrice')).toMatchObject({
      type: 'numeric(12,2)',
      generated: 'stored',
      generationExpression: '("monthlyPrice" * (seats)::numeric)',
      default: null,
      identity: null,
    });
  });

  it('reads primary key, unique, check and exclusion constraints', () => {
    const user = findRelation(model, 'public', 'User');
    expect(user.primaryKey).toEqual(['id']);
    expect(user.constraints).toEqual([
      {
        name: 'User_emailAddress_key',
        type: 'unique',
        columns: ['emailAddress'],
        definition: 'UNIQUE ("emailAddress")',
        deferrable: false,
        validated: true,
      },
      {
        name: 'User_pkey',
        type: 'primary_key',
        columns: ['id'],
        definition: 'PRIMARY KEY (id)',
        deferrable: false,
        validated: true,
      },
    ]);
    const sub = findRelation(model, 'public', 'BusinessSubscription');
    expect(sub.constraints.find((c) => c.type === 'check')).toMatchObject({
      name: 'BusinessSubscription_monthlyPrice_check',
      columns: ['monthlyPrice'],
      definition: 'CHECK (("monthlyPrice" >= (0)::numeric))',
    });
    expect(findRelation(model, 'analytics', 'maintenance_windows').constraints).toContainEqual({
      name: 'maintenance_windows_no_overlap',
      type: 'exclusion',
      columns: ['during'],
      definition: 'EXCLUDE USING gist (during WITH &&)',
      deferrable: false,
      validated: true,
    });
    expect(findRelation(model, 'analytics', 'events').primaryKey).toEqual(['id', 'occurred_at']);
    expect(findRelation(model, 'ai', 'conversations').primaryKey).toEqual(['id']);
    expect(findRelation(model, 'analytics', 'active_subscriptions').primaryKey).toEqual([]);
  });

  it('reads foreign keys with their actions, across schemas too', () => {
    const sub = findRelation(model, 'public', 'BusinessSubscription');
    expect(sub.foreignKeys).toEqual([
      {
        name: 'BusinessSubscription_userId_fkey',
        schema: 'public',
        table: 'BusinessSubscription',
        columns: ['userId'],
        referencedSchema: 'public',
        referencedTable: 'User',
        referencedColumns: ['id'],
        onDelete: 'cascade',
        onUpdate: 'cascade',
        definition: 'FOREIGN KEY ("userId") REFERENCES public."User"(id) ON UPDATE CASCADE ON DELETE CASCADE',
        validated: true,
      },
    ]);
    const rewards = findRelation(model, 'blockchain', 'reward_history');
    expect(
      rewards.foreignKeys.map((fk) => [fk.name, fk.referencedSchema, fk.referencedTable, fk.onDelete, fk.onUpdate]),
    ).toEqual([
      ['reward_history_user_fk', 'public', 'User', 'set_null', 'cascade'],
      ['reward_history_wallet_id_fkey', 'blockchain', 'wallets', 'cascade', 'no_action'],
    ]);
    expect(rewards.foreignKeys[0]?.definition).toContain('DEFERRABLE INITIALLY DEFERRED');
    const wallet = findRelation(model, 'blockchain', 'wallets');
    expect(wallet.foreignKeys[0]).toMatchObject({
      columns: ['user_id'],
      referencedSchema: 'public',
      referencedTable: 'User',
      onDelete: 'set_null',
      onUpdate: 'restrict',
    });
  });

  it('reads indexes: method, definition, uniqueness, partial predicate, validity, size', () => {
    const user = findRelation(model, 'public', 'User');
    const gin = user.indexes.find((i) => i.name === 'User_profile_gin');
    expect(gin).toMatchObject({
      method: 'gin',
      columns: ['profile'],
      unique: false,
      primary: false,
      predicate: null,
      valid: true,
      comment: 'Profile containment queries',
      definition: 'CREATE INDEX "User_profile_gin" ON public."User" USING gin (profile)',
    });
    expect(gin?.sizeBytes).toBeGreaterThan(0);
    expect(user.indexes.find((i) => i.name === 'User_pkey')).toMatchObject({ primary: true, unique: true });
    expect(user.indexes.find((i) => i.name === 'User_normalized_email')?.columns[0]).toContain('normalize_email');

    const partial = findRelation(model, 'public', 'BusinessSubscription').indexes.find(
      (i) => i.name === 'BusinessSubscription_one_active',
    );
    expect(partial).toMatchObject({
      unique: true,
      columns: ['userId'],
      predicate: "(status = 'active'::public.subscription_status)",
    });
    const rewards = findRelation(model, 'blockchain', 'reward_history');
    expect(rewards.indexes.find((i) => i.name === 'reward_history_metadata_gin')?.definition).toContain(
      'USING gin (metadata jsonb_path_ops)',
    );
    expect(rewards.indexes.find((i) => i.name === 'reward_history_recent')).toMatchObject({
      method: 'btree',
      columns: ['rewarded_at'],
      predicate: '((amount)::numeric > (0)::numeric)',
    });
    const events = findRelation(model, 'analytics', 'events');
    expect(events.indexes.find((i) => i.name === 'events_type_only')).toMatchObject({ valid: false });
    expect(events.indexes.find((i) => i.name === 'events_properties_gin')).toMatchObject({
      valid: true,
      method: 'gin',
    });
    expect(findRelation(model, 'analytics', 'maintenance_windows').indexes.map((i) => i.method)).toContain('gist');
    expect(findRelation(model, 'analytics', 'daily_event_counts').indexes).toEqual([
      expect.objectContaining({ name: 'daily_event_counts_key', unique: true, columns: ['day', 'event_type'] }),
    ]);
  });

  it('reads triggers with timing, events, level, function and state', () => {
    expect(findRelation(model, 'public', 'User').triggers).toEqual([
      {
        name: 'User_set_updated_at',
        timing: 'BEFORE',
        events: ['UPDATE'],
        level: 'ROW',
        function: 'public.set_updated_at',
        enabled: true,
        definition:
          'CREATE TRIGGER "User_set_updated_at" BEFORE UPDATE ON public."User" FOR EACH ROW EXECUTE FUNCTION public.set_updated_at()',
      },
    ]);
    expect(findRelation(model, 'public', 'BusinessSubscription').triggers[0]).toMatchObject({
      name: 'BusinessSubscription_audit',
      timing: 'AFTER',
      events: ['INSERT', 'DELETE'],
      level: 'STATEMENT',
      enabled: false,
    });
  });

  it('reads functions and procedures with signatures, results, language and comments', () => {
    const fn = (name: string) => model.functions.find((f) => f.name === name);
    expect(model.functions.map((f) => `${f.schema}.${f.name}`)).toEqual([
      'ai.user_conversation_count',
      'analytics.refresh_daily_counts',
      'blockchain.total_rewards',
      'public.normalize_email',
      'public.set_updated_at',
    ]);
    expect(fn('set_updated_at')).toMatchObject({
      kind: 'function',
      arguments: '',
      result: 'trigger',
      language: 'plpgsql',
      volatility: 'volatile',
      securityDefiner: false,
      comment: 'Keeps "updatedAt" current on every update',
    });
    expect(fn('set_updated_at')?.ddl).toMatch(
      /^CREATE OR REPLACE FUNCTION public\.set_updated_at\(\)\n RETURNS trigger/,
    );
    expect(fn('normalize_email')).toMatchObject({
      arguments: 'email text',
      result: 'text',
      language: 'sql',
      volatility: 'immutable',
    });
    expect(fn('user_conversation_count')).toMatchObject({
      arguments: 'p_user bigint',
      result: 'bigint',
      volatility: 'stable',
      comment: 'Conversations started by one user',
    });
    expect(fn('total_rewards')).toMatchObject({
      arguments: 'p_wallet bigint, p_since timestamp with time zone',
      result: 'numeric',
      securityDefiner: true,
    });
    expect(fn('refresh_daily_counts')).toMatchObject({ kind: 'procedure', result: null, language: 'plpgsql' });
    expect(fn('refresh_daily_counts')?.ddl).toContain('CREATE OR REPLACE PROCEDURE analytics.refresh_daily_counts()');
  });

  it('reads sequences, free-standing and owned by a column', () => {
    const seq = (name: string) => model.sequences.find((s) => s.name === name);
    expect(seq('invoice_number_seq')).toMatchObject({
      schema: 'public',
      dataType: 'integer',
      start: '1000',
      increment: '10',
      min: '1000',
      max: '99999999',
      cycle: true,
      ownedBy: null,
    });
    expect(seq('invoice_number_seq')?.ddl).toContain('CACHE 5 CYCLE;');
    expect(seq('wallets_id_seq')).toMatchObject({ dataType: 'bigint', ownedBy: 'blockchain.wallets.id', cycle: false });
    expect(seq('User_id_seq')?.ownedBy).toBe('public."User".id');
    expect(seq('BusinessSubscription_id_seq')).toMatchObject({ start: '100', increment: '5', dataType: 'integer' });
  });

  it('reads enum labels in order, with comments', () => {
    expect(model.enums.map((e) => [e.schema, e.name, e.labels, e.comment])).toEqual([
      ['ai', 'Mood', ['calm', 'Happy', "it's complicated"], null],
      [
        'public',
        'subscription_status',
        ['trialing', 'active', 'past_due', 'cancelled'],
        'Lifecycle of a business subscription',
      ],
    ]);
    expect(model.enums[0]?.ddl).toBe(`CREATE TYPE ai."Mood" AS ENUM ('calm', 'Happy', 'it''s complicated');`);
  });

  it('reads comments on tables, columns and views', () => {
    expect(findRelation(model, 'public', 'User').comment).toBe('People who sign in');
    expect(findRelation(model, 'analytics', 'active_subscriptions').comment).toBe('Paying customers');
    expect(findRelation(model, 'ai', 't').comment).toBeNull();
  });

  it('reads row estimates after ANALYZE and sizes of table, indexes and TOAST', () => {
    const user = findRelation(model, 'public', 'User');
    expect(user.rowEstimate).toBe(500);
    expect(findRelation(model, 'public', 'BusinessSubscription').rowEstimate).toBe(100);
    expect(findRelation(model, 'analytics', 'events_2025').rowEstimate).toBe(300);
    // Never analysed: PostgreSQL 14+ says so with reltuples = -1.
    if (serverMajor >= 14) expect(findRelation(model, 'ai', 't').rowEstimate).toBeNull();
    expect(findRelation(model, 'analytics', 'active_subscriptions').rowEstimate).toBeNull();
    expect(user.sizes.tableBytes).toBeGreaterThan(0);
    expect(user.sizes.indexBytes).toBe(user.indexes.reduce((n, i) => n + i.sizeBytes, 0));
    expect(user.sizes.indexBytes).toBeGreaterThan(0);
    expect(user.sizes.toastBytes).toBeGreaterThan(0);
    expect(user.sizes.totalBytes).toBe(user.sizes.tableBytes + user.sizes.indexBytes + user.sizes.toastBytes);
    expect(findRelation(model, 'analytics', 'active_subscriptions').sizes.totalBytes).toBe(0);
  });

  it("estimates sizes from relpages in 'auto' above the size limit, says so, and reads a table's exact sizes on demand", async () => {
    expect(model.sizesEstimated).toBeUndefined();
    const info: string[] = [];
    const estimated = await new CatalogReader({
      logger: { ...logger, info: (message: string) => info.push(message) },
      autoExactSizeLimit: 1,
    }).read(client);
    expect(estimated.sizesEstimated).toBe(true);
    expect(info.join('\n')).toMatch(
      /sizes estimated from relpages: exact sizes would open \d+ relations \(more than 1\)/,
    );
    // relpages of the analysed "User" (8 KiB pages), and the same relations otherwise.
    const user = findRelation(estimated, 'public', 'User');
    expect(user.sizes.tableBytes % 8192).toBe(0);
    expect(estimated.relations.map((r) => r.name)).toEqual(model.relations.map((r) => r.name));
    // Under the limit, 'auto' is exact.
    expect((await new CatalogReader({ autoExactSizeLimit: 1_000_000 }).read(client)).sizesEstimated).toBeUndefined();

    // On demand: the same figures the exact model has, index by index.
    const exact = await new CatalogReader().exactSizes(client, 'public', 'User');
    const modelUser = findRelation(model, 'public', 'User');
    expect(exact).toEqual({
      ...modelUser.sizes,
      indexes: modelUser.indexes.map((i) => ({ name: i.name, sizeBytes: i.sizeBytes })),
    });
    const direct = await client.query<{ total: string }>(
      `SELECT pg_table_size('public."User"'::regclass)
              + (SELECT sum(pg_total_relation_size(indexrelid)) FROM pg_index WHERE indrelid = 'public."User"'::regclass)
              AS total`,
    );
    expect(exact.totalBytes).toBe(Number(direct.rows[0]?.total));
    // A view stores nothing; a missing table is not_found; hostile names are only parameters.
    expect((await new CatalogReader().exactSizes(client, 'analytics', 'active_subscriptions')).totalBytes).toBe(0);
    await expect(new CatalogReader().exactSizes(client, 'public', 'nope')).rejects.toMatchObject({
      kind: 'not_found',
    });
    await expect(
      new CatalogReader().exactSizes(client, 'public', `User"; DROP TABLE public."User"; --`),
    ).rejects.toMatchObject({ kind: 'not_found' });
    expect((await client.query(`SELECT count(*)::int AS n FROM public."User"`)).rows[0]).toEqual({ n: 500 });
    // No transaction is left open.
    expect((await client.query<{ idle: boolean }>('SELECT now() = statement_timestamp() AS idle')).rows[0]?.idle).toBe(
      true,
    );
  });

  it('reads partitions, partition keys and view definitions', () => {
    expect(findRelation(model, 'analytics', 'events')).toMatchObject({
      partitionKey: 'RANGE (occurred_at)',
      partitionOf: null,
    });
    expect(findRelation(model, 'analytics', 'events_2025')).toMatchObject({
      partitionOf: 'analytics.events',
      partitionKey: null,
    });
    const view = findRelation(model, 'analytics', 'active_subscriptions');
    expect(view.viewDefinition).toContain('JOIN public."User" u ON ((u.id = s."userId"))');
    expect(view.viewDefinition).toContain("WHERE (s.status = 'active'::public.subscription_status)");
    expect(findRelation(model, 'analytics', 'daily_event_counts').viewDefinition).toContain('FROM analytics.events');
    expect(findRelation(model, 'public', 'User').viewDefinition).toBeNull();
  });
});
