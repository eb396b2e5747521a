import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogModel } from '../../../common/catalog';
import type { SnapshotColumn, SnapshotMigration } from '../../../common/snapshots';
import { runSql } from '../../../test/helpers/postgres';
import { HISTORY_TABLE_DDL } from '../migrations/history';
import { createCaptureFixture, readSnapshot, type CaptureFixture } from '../../../test/helpers/snapshot-capture';
import { ContentHasher } from './content-hash';

let fixture: CaptureFixture;

beforeAll(async () => {
  fixture = await createCaptureFixture('snapshot_capture');
  const { db } = fixture;
  // Session defaults far from what the capture needs: it must set its own.
  await runSql(
    db.url,
    `ALTER DATABASE ${db.name} SET TimeZone = 'America/St_Johns';
     ALTER DATABASE ${db.name} SET DateStyle = 'SQL, DMY';
     ALTER DATABASE ${db.name} SET IntervalStyle = 'iso_8601';
     ALTER DATABASE ${db.name} SET extra_float_digits = 0;
     ALTER DATABASE ${db.name} SET bytea_output = 'escape';`,
  );
  await runSql(
    db.url,
    `${HISTORY_TABLE_DDL};
     INSERT INTO _sqlx_migrations VALUES (20240101000000, 'init', '2024-01-01 00:00:00.5+00', true, '\\x00ff', 1234);`,
  );
}, 120_000);

afterAll(async () => {
  await fixture?.drop();
});

describe('SnapshotCapture', () => {
  it('brings every PostgreSQL value back exactly, with its metadata', async () => {
    await runSql(
      fixture.db.url,
      `CREATE SCHEMA types;
       CREATE TYPE types.mood AS ENUM ('sad', 'ok', 'happy 😀');
       CREATE TABLE types.all_types (
         id int PRIMARY KEY, n numeric(40,20), nn numeric, b bigint, si smallint, ts timestamptz, d date, iv interval,
         u uuid, jb jsonb, js json, ia int[], ta text[], bt bytea, m types.mood, t text, r real, dp double precision,
         bo boolean);
       CREATE VIEW types.v AS SELECT id FROM types.all_types;
       SET TimeZone = 'Asia/Kolkata';
       INSERT INTO types.all_types VALUES
         (1, '12345678901234567890.12345678901234567890', '-0.000000000000000000000000000001234567890123456789',
          9007199254740993, -32768, '2024-03-10 01:59:59.123456-03:30', '2024-02-29', '1 year 2 mons 3 days 04:05:06.789012',
          'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"z": {"y": [1, 2.50, "ü"]}, "big": 123456789012345678901234567890.5}',
          '{"a": 1,  "a" : 2 }', '{1,NULL,3}', '{"a \\"quoted\\" b",NULL,"NULL","",c}',
          (SELECT decode(string_agg(lpad(to_hex(g), 2, '0'), ''), 'hex') FROM generate_series(0, 255) g),
          'happy 😀', E'emoji 😀👩‍👩‍👧 RTL مرحبا עברית CJK 漢字 combining e\\u0301 controls \\x01\\x1f\\t\\n\\r\\\\ \\x08\\x0b\\x0c\\x7f end',
          0.1, 1e-310, true),
         (2, 'NaN', 'Infinity', -9223372036854775808, 32767, '0001-01-01 00:00:00+00 BC', '4713-01-01 BC', '-1 mons +2 days -00:00:00.000001',
          '00000000-0000-0000-0000-000000000000', '[]', '  {}  ', '{}', '{}', '', 'sad', '', 'NaN', '-0', false),
         (3, NULL, '-Infinity', 0, 0, 'infinity', 'infinity', '0', NULL, 'null', 'null', NULL, '{NULL}', NULL, NULL, NULL,
          '-Infinity', 'Infinity', NULL),
         (4, NULL, NULL, NULL, NULL, '-infinity', '-infinity', NULL, NULL, '"s"', NULL, NULL, NULL, NULL, NULL, NULL,
          '1e-45', 'NaN', NULL);`,
    );
    const phases = new Set<string>();
    const result = await fixture.capture({ tablePattern: 'types.*,public.*', onProgress: (p) => phases.add(p.phase) });
    expect(path.basename(result.file)).toMatch(/^snap-\d{8}-\d{6}-[0-9a-f]{6}\.snapshot$/);
    expect(result.id).toBe(path.basename(result.file, '.snapshot'));
    expect(fs.readdirSync(fixture.dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
    expect([...phases]).toEqual(['catalog', 'tables', 'finishing', 'done']);

    const { meta, tables, rows } = readSnapshot(result.file);
    expect(tables.map((t) => `${t.schema_name}.${t.table_name}`)).toEqual([
      'public._sqlx_migrations',
      'types.all_types',
    ]);
    const record = tables[1]!;
    const columns = JSON.parse(record.columns_json) as SnapshotColumn[];
    expect(columns.map((c) => c.storage).join(',')).toBe(
      'integer,text,text,integer,integer,text,text,text,text,text,text,text,text,blob,text,text,text,text,boolean',
    );
    const stored = rows.get('types.all_types')!;
    expect(record.row_count).toBe(4n);

    // What PostgreSQL itself says, in the capture's settings: text for text storage, exact integers and bytes.
    const expected = await fixture.query<Record<string, unknown>>(
      `SELECT ${columns.map((c) => `"${c.name}"::text AS "${c.name}", "${c.name}" AS "raw_${c.name}"`).join(', ')}
         FROM types.all_types ORDER BY id`,
      `SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1`,
    );
    const byId = [...stored].sort((a, b) => Number(a[0]) - Number(b[0]));
    expect(byId).toHaveLength(expected.length);
    expected.forEach((want, r) => {
      columns.forEach((column, i) => {
        const got = byId[r]![i];
        const text = want[column.name] as string | null;
        const where = `row ${r + 1} column ${column.name}`;
        if (text === null) return expect(got, where).toBeNull();
        if (column.storage === 'text') return expect(got, where).toBe(text);
        if (column.storage === 'integer') return expect(got, where).toBe(BigInt(text));
        if (column.storage === 'boolean') return expect(got, where).toBe(want[`raw_${column.name}`] ? 1n : 0n);
        expect(Buffer.compare(got as Buffer, want[`raw_${column.name}`] as Buffer), where).toBe(0);
      });
    });
    // And what a user would check by eye.
    const [one, two, three, four] = byId;
    expect(one!.slice(1, 6)).toEqual([
      '12345678901234567890.12345678901234567890',
      '-0.000000000000000000000000000001234567890123456789',
      9007199254740993n,
      -32768n,
      '2024-03-10 05:29:59.123456+00',
    ]);
    expect(one![8]).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    // jsonb in PostgreSQL's canonical form: keys reordered, every digit and the scale of 2.50 kept.
    expect(one![9]).toBe('{"z": {"y": [1, 2.50, "ü"]}, "big": 123456789012345678901234567890.5}');
    expect(one![10]).toBe('{"a": 1,  "a" : 2 }');
    expect(one![12]).toBe('{"a \\"quoted\\" b",NULL,"NULL","",c}');
    expect(one![13]).toEqual(Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
    expect(one![15]).toBe(
      'emoji 😀👩‍👩‍👧 RTL مرحبا עברית CJK 漢字 combining e\u0301 controls \x01\x1f\t\n\r\\ \b\v\f\x7f end',
    );
    expect([one![16], one![17], one![18]]).toEqual(['0.1', '1e-310', 1n]);
    expect(two!.slice(1, 8)).toEqual([
      'NaN',
      'Infinity',
      -9223372036854775808n,
      32767n,
      '0001-01-01 00:00:00+00 BC',
      '4713-01-01 BC',
      '-1 mons +2 days -00:00:00.000001',
    ]);
    expect([two![10], two![13], two![15], two![17]]).toEqual(['  {}  ', Buffer.alloc(0), '', '-0']);
    expect([three![12], three![13], three![15], four![16]]).toEqual(['{NULL}', null, null, '1e-45']);

    expect(meta).toMatchObject({
      format: 'ops-console-snapshot',
      format_version: '2',
      id: result.id,
      database: fixture.db.name,
      source_profile: 'prod-replica',
      source_target: `127.0.0.1/${fixture.db.name} as postgres`,
      row_limit: '',
      table_pattern: 'types.*,public.*',
    });
    expect(meta.name).toMatch(new RegExp(`^${fixture.db.name} \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\dZ$`));
    expect(meta.server_version).toMatch(/^\d+/);
    expect(Date.parse(meta.finished_at!)).toBeGreaterThanOrEqual(Date.parse(meta.started_at!));
    const catalog = JSON.parse(meta.catalog_json!) as CatalogModel;
    expect(catalog.relations.map((r) => `${r.schema}.${r.name}`)).toContain('types.v');
    expect(catalog.enums.find((e) => e.name === 'mood')?.labels).toEqual(['sad', 'ok', 'happy 😀']);
    const migrations = JSON.parse(meta.migrations_json!) as SnapshotMigration[];
    expect(migrations).toEqual([
      {
        version: 20240101000000,
        description: 'init',
        installedOn: '2024-01-01T00:00:00.500Z',
        success: true,
        checksum: '00ff',
      },
    ]);
    // The password of the URL appears nowhere in the file.
    const password = decodeURIComponent(new URL(fixture.db.url).password);
    expect(password.length).toBeGreaterThan(0);
    expect(fs.readFileSync(result.file).includes(Buffer.from(password))).toBe(false);

    // The content hash recorded at capture is the one the stored rows give when read back.
    const hasher = new ContentHasher();
    for (const table of tables) {
      const storages = (JSON.parse(table.columns_json) as SnapshotColumn[]).map((c) => c.storage);
      hasher.table(table.schema_name, table.table_name, storages);
      for (const row of rows.get(`${table.schema_name}.${table.table_name}`)!) hasher.row(row);
    }
    expect(meta.content_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(hasher.hex()).toBe(meta.content_sha256);
  });

  it('reads every table at the point in time the capture started', async () => {
    await runSql(
      fixture.db.url,
      `CREATE SCHEMA cons;
       CREATE TABLE cons.first (id int PRIMARY KEY);
       CREATE TABLE cons.second (id int PRIMARY KEY);
       INSERT INTO cons.first SELECT generate_series(1, 10);
       INSERT INTO cons.second SELECT generate_series(1, 10);`,
    );
    // Another session holds cons.second, so the capture must wait for it after its transaction began...
    const blocker = new pg.Client({ connectionString: fixture.db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN; LOCK TABLE cons.second IN ACCESS EXCLUSIVE MODE');
      const running = fixture.capture({ tablePattern: 'cons.*' });
      let waiting = false;
      for (let i = 0; i < 200 && !waiting; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const found = await fixture.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'ops-console snapshot' AND wait_event_type = 'Lock'`,
        );
        waiting = Number(found[0]?.n) > 0;
      }
      expect(waiting).toBe(true);
      // ...and whatever commits meanwhile, in any table, is after its point in time.
      await blocker.query(
        `INSERT INTO cons.first SELECT generate_series(11, 15);
         INSERT INTO cons.second SELECT generate_series(11, 15);
         COMMIT`,
      );
      const result = await running;
      const { tables, rows } = readSnapshot(result.file);
      expect(tables.map((t) => [t.table_name, t.row_count])).toEqual([
        ['first', 10n],
        ['second', 10n],
      ]);
      expect(
        rows
          .get('cons.second')!
          .map((r) => r[0])
          .sort((a, b) => Number(a) - Number(b)),
      ).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(i + 1)));
      const live = await fixture.query<{ n: string }>(
        'SELECT (SELECT count(*) FROM cons.first) + (SELECT count(*) FROM cons.second) AS n',
      );
      expect(live[0]?.n).toBe('30');
    } finally {
      await blocker.end();
    }
  });

  it('applies a row limit and table patterns, and reads partitioned tables through their parent', async () => {
    await runSql(
      fixture.db.url,
      `CREATE SCHEMA lim;
       CREATE TABLE lim.keyed (id int PRIMARY KEY, v text);
       INSERT INTO lim.keyed SELECT g, 'v' || g FROM generate_series(25, 1, -1) g;
       CREATE TABLE lim.unkeyed (v text);
       INSERT INTO lim.unkeyed SELECT 'u' || g FROM generate_series(1, 25) g;
       CREATE TABLE lim.small (id int PRIMARY KEY);
       INSERT INTO lim.small VALUES (1), (2), (3);
       CREATE TABLE lim.events (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
       CREATE TABLE lim.events_2023 PARTITION OF lim.events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
       CREATE TABLE lim.events_2024 PARTITION OF lim.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
       INSERT INTO lim.events VALUES (1, '2023-05-01'), (2, '2024-05-01'), (3, '2024-06-01');
       CREATE MATERIALIZED VIEW lim.mv AS SELECT count(*) FROM lim.keyed;
       CREATE SCHEMA other;
       CREATE TABLE other.skip (id int);`,
    );
    const limited = await fixture.capture({ tablePattern: 'lim.*', rowLimit: 10 });
    const { meta, tables, rows } = readSnapshot(limited.file);
    expect(tables.map((t) => [t.table_name, t.row_count, t.truncated])).toEqual([
      ['events', 3n, 0n],
      ['keyed', 10n, 1n],
      ['small', 3n, 0n],
      ['unkeyed', 10n, 1n],
    ]);
    // A limited table with a key holds its first rows by key.
    expect(rows.get('lim.keyed')!.map((r) => r[0])).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(i + 1)));
    expect(rows.get('lim.events')!.map((r) => r[0])).toEqual([1n, 2n, 3n]);
    expect(meta).toMatchObject({ row_limit: '10', table_pattern: 'lim.*' });
    expect((JSON.parse(meta.catalog_json!) as CatalogModel).relations.map((r) => r.name)).toContain('mv');

    const chosen = await fixture.capture({ tablePattern: 'lim.sm?ll, other.*, lim.events_2024', rowLimit: 0 });
    expect(
      readSnapshot(chosen.file).tables.map((t) => [`${t.schema_name}.${t.table_name}`, t.row_count, t.truncated]),
    ).toEqual([
      ['lim.events_2024', 0n, 1n],
      ['lim.small', 0n, 1n],
      ['other.skip', 0n, 0n],
    ]);

    const before = fs.readdirSync(fixture.dir).length;
    await expect(fixture.capture({ tablePattern: 'lim.*, nope.*' })).rejects.toMatchObject({
      kind: 'invalid_input',
      message: 'No table matches "nope.*"',
    });
    expect(fs.readdirSync(fixture.dir)).toHaveLength(before);
  });
});
