/**
 * Shared by the diff tests (not imported by the services): a snapshot-style
 * SQLite data table written straight from values, and a small stand-in for a
 * capture that copies a live table into one through the live row source.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import type { SnapshotStorage } from '../../../common/snapshots';
import { dataColumnName, dataTableName, sqliteType } from './format';
import { liveRowSource, type SourceColumn } from './row-sources';

export type StoredRow = Array<string | number | bigint | Buffer | null>;

/** A fresh SQLite file in a temp folder; `close` also removes the folder. */
export function tempSqlite(): { db: Database.Database; close(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-console-diff-'));
  const db = new Database(path.join(dir, 'test.snapshot'));
  return {
    db,
    close() {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates `d_<ord>` with one `c_<i>` per column (the format's names and types) and inserts the rows in order. */
export function writeDataTable(
  db: Database.Database,
  ord: number,
  columns: readonly SourceColumn[],
  rows: StoredRow[],
): string {
  const table = dataTableName(ord);
  const definitions = columns.map((column, i) => `${dataColumnName(i)} ${sqliteType(column.storage)}`);
  db.exec(`CREATE TABLE ${table} (rid INTEGER PRIMARY KEY, ${definitions.join(', ')})`);
  const insert = db.prepare(
    `INSERT INTO ${table} (${columns.map((_, i) => dataColumnName(i)).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
  );
  db.transaction(() => {
    for (const row of rows) insert.run(...row);
  })();
  return table;
}

/** A value in its text form, stored the way a capture stores it. */
export function storeText(text: string | null, storage: SnapshotStorage): string | bigint | Buffer | null {
  if (text === null) return null;
  switch (storage) {
    case 'integer':
      return BigInt(text);
    case 'boolean':
      return text === 't' ? 1n : 0n;
    case 'blob':
      return Buffer.from(text.slice(2), 'hex');
    case 'text':
      return text;
  }
}

/** Copies a live table into `d_<ord>`, in capture order (here: key order). */
export async function copyLiveTable(
  client: pg.ClientBase,
  db: Database.Database,
  ord: number,
  table: { schema: string; name: string; columns: SourceColumn[]; keyColumns: string[] },
): Promise<string> {
  const rows: StoredRow[] = [];
  const source = liveRowSource(client, table.schema, table.name, table.columns, table.keyColumns);
  for await (const row of source.rows()) {
    rows.push(row.map((text, i) => storeText(text, table.columns[i]!.storage)));
  }
  return writeDataTable(db, ord, table.columns, rows);
}
