import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpsError } from '../../../common/errors';
import type { SnapshotColumn } from '../../../common/snapshots';
import { SnapshotFile } from './snapshot-file';
import { SnapshotDataSource } from './snapshot-source';
import { writeTestSnapshot } from './test-snapshot';

const columns: SnapshotColumn[] = [
  { name: 'id', type: 'bigint', storage: 'integer' },
  { name: 'amount', type: 'numeric(30,10)', storage: 'text' },
  { name: 'payload', type: 'jsonb', storage: 'text' },
  { name: 'active', type: 'boolean', storage: 'boolean' },
  { name: 'raw', type: 'bytea', storage: 'blob' },
  { name: 'label', type: 'text', storage: 'text' },
];

describe('SnapshotDataSource (browsing a snapshot file with no database)', () => {
  let dir: string;
  let file: SnapshotFile;
  let source: SnapshotDataSource;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-snapshot-source-'));
    const target = path.join(dir, 'snap-1.snapshot');
    const rows = Array.from({ length: 30 }, (_, i) => [
      9_007_199_254_740_000n + BigInt(i),
      i % 3 === 0 ? `${i * 100}.0000000001` : `${i}.5`,
      JSON.stringify({ n: i, tags: ['a', 'b'] }),
      i % 2,
      Buffer.from([i, 255, 0]),
      i % 5 === 0 ? null : i % 5 === 1 ? '' : `label ${i}`,
    ]);
    writeTestSnapshot(target, {
      id: 'snap-1',
      name: 'one',
      database: 'stack',
      tables: [{ schema: 'analytics', name: 'events', columns, keyColumns: ['id'], rows }],
    });
    file = new SnapshotFile(target);
    source = new SnapshotDataSource(file);
  });
  afterAll(() => {
    file?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('pages rows with the same value forms as the live grid', () => {
    const page = source.page({ schema: 'analytics', table: 'events', pageSize: 10 });
    expect(page.columns.map((c) => [c.name, c.type])).toEqual(columns.map((c) => [c.name, c.type]));
    expect(page.rows).toHaveLength(10);
    expect(page.hasMore).toBe(true);
    expect(page.mode).toBe('offset');
    expect(page.rows[0]).toEqual([
      '9007199254740000',
      '0.0000000001',
      { n: 0, tags: ['a', 'b'] },
      false,
      '\\x00ff00',
      null,
    ]);
    expect(page.rows[1]?.[5]).toBe('');
    const last = source.page({ schema: 'analytics', table: 'events', pageSize: 10, page: 2 });
    expect(last.hasMore).toBe(false);
    expect(last.rows.at(-1)?.[0]).toBe('9007199254740029');
  });

  it('sorts numeric text as numbers and filters with parameters', () => {
    const sorted = source.page({
      schema: 'analytics',
      table: 'events',
      pageSize: 3,
      sort: [{ column: 'amount', direction: 'desc' }],
    });
    expect(sorted.rows.map((r) => r[1])).toEqual(['2700.0000000001', '2400.0000000001', '2100.0000000001']);
    const filtered = source.page({
      schema: 'analytics',
      table: 'events',
      filters: [
        { column: 'label', operator: 'contains', value: '2' },
        { column: 'active', operator: 'eq', value: 'true' },
      ],
    });
    // Odd ids are active; label 21 is the empty string and 25 is NULL.
    expect(filtered.rows.map((r) => r[5])).toEqual(['label 23', 'label 27', 'label 29']);
    const byId = source.page({
      schema: 'analytics',
      table: 'events',
      filters: [{ column: 'id', operator: 'ge', value: '9007199254740028' }],
    });
    expect(byId.rows.map((r) => r[0])).toEqual(['9007199254740028', '9007199254740029']);
    const injection = source.page({
      schema: 'analytics',
      table: 'events',
      filters: [{ column: 'label', operator: 'eq', value: "x' OR '1'='1" }],
    });
    expect(injection.rows).toEqual([]);
    expect(() =>
      source.page({
        schema: 'analytics',
        table: 'events',
        sort: [{ column: 'id; DROP TABLE meta', direction: 'asc' }],
      }),
    ).toThrow(OpsError);
    expect(source.count('analytics', 'events')).toBe('30');
  });

  it('runs read-only SQLite SQL and refuses writes and ATTACH', () => {
    const result = source.sql('SELECT schema_name, table_name, row_count FROM snapshot_tables');
    expect(result.rows).toEqual([['analytics', 'events', '30']]);
    expect(result.readOnly).toBe(true);
    const limited = source.sql('SELECT c_0 FROM d_1', 5);
    expect(limited.rows).toHaveLength(5);
    expect(limited.truncated).toBe(true);
    expect(() => source.sql('DELETE FROM d_1')).toThrow(/read-only/);
    expect(() => source.sql("ATTACH DATABASE '/etc/passwd' AS x")).toThrow(/not allowed/);
    let error: unknown;
    try {
      source.sql('SELEC nonsense');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OpsError);
    expect((error as OpsError).message).toMatch(/syntax error/);
    expect((error as OpsError).hint).toMatch(/SQLite SQL/);
  });
});
