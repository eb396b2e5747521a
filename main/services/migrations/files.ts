import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { OpsError } from '../../../common/errors';
import type { MigrationSource } from '../../../common/migrations';

/** One migration file, read once: its bytes are what the checksum covers. */
export interface MigrationFile {
  version: number;
  /** The rest of the file name without `.sql` (or `.up.sql`), underscores turned into spaces: sqlx's rule. */
  description: string;
  fileName: string;
  path: string;
  sql: string;
  /** SHA-384 of the file's bytes, exactly what sqlx stores in `_sqlx_migrations.checksum`. */
  checksum: Buffer;
  noTransaction: boolean;
}

export interface MigrationDirectory {
  source: MigrationSource;
  files: MigrationFile[];
}

const MIGRATION_NAME = /^(\d+)_(.+?)(\.up)?\.sql$/;

/**
 * The first line asks for no transaction: ours (`-- ops-console: no-transaction`)
 * or sqlx's own (`-- no-transaction`, which sqlx checks with starts_with).
 */
export function wantsNoTransaction(sql: string): boolean {
  const first = (sql.startsWith('\uFEFF') ? sql.slice(1) : sql).split(/\r?\n/, 1)[0] ?? '';
  return /^--\s*ops-console:\s*no-transaction\s*$/i.test(first.trimEnd()) || first.startsWith('-- no-transaction');
}

export function checksumOf(bytes: Buffer): Buffer {
  return createHash('sha384').update(bytes).digest();
}

/**
 * Reads `<version>_<description>.sql` files from a folder, in version order.
 * Other files are listed as ignored with the reason; two files with one
 * version, or a version past 2^53, are refused.
 */
export function readMigrationDirectory(dir: string, builtIn: boolean): MigrationDirectory {
  let names: string[];
  try {
    const stat = fs.statSync(dir);
    if (!stat.isDirectory()) {
      throw new OpsError('invalid_input', `${dir} is not a folder`, {
        hint: 'Pass --dir with the folder that holds the <version>_<description>.sql files.',
      });
    }
    names = fs.readdirSync(dir);
  } catch (error) {
    if (error instanceof OpsError) throw error;
    throw new OpsError('invalid_input', `Cannot read the migrations folder ${dir}`, {
      hint: 'Check the path given with --dir (it must exist and be readable).',
      detail: error instanceof Error ? error.message : String(error),
    });
  }
  const ignored: MigrationSource['ignored'] = [];
  const files: MigrationFile[] = [];
  const byVersion = new Map<number, string>();
  for (const fileName of names.sort()) {
    const full = path.join(dir, fileName);
    // Anything but .sql (a README, a test beside the files) is not a migration and not worth a remark.
    if (!fileName.toLowerCase().endsWith('.sql') || !fs.statSync(full).isFile()) continue;
    if (fileName.endsWith('.down.sql')) {
      ignored.push({ fileName, reason: 'a down migration: ops-console applies up migrations only' });
      continue;
    }
    const match = MIGRATION_NAME.exec(fileName);
    if (!match) {
      ignored.push({ fileName, reason: 'not named <version>_<description>.sql' });
      continue;
    }
    const version = Number(match[1]);
    if (!Number.isSafeInteger(version)) {
      throw new OpsError('invalid_input', `The version of ${fileName} is too large`, {
        hint: 'Versions must be below 2^53 (sqlx timestamps such as 20240101120000 are fine).',
      });
    }
    const clash = byVersion.get(version);
    if (clash !== undefined) {
      throw new OpsError('invalid_input', `${clash} and ${fileName} have the same version ${version}`, {
        hint: 'Give every migration its own version number; rename one of the two files.',
      });
    }
    byVersion.set(version, fileName);
    const bytes = fs.readFileSync(full);
    const sql = bytes.toString('utf8');
    files.push({
      version,
      description: (match[2] ?? '').replace(/_/g, ' '),
      fileName,
      path: full,
      sql,
      checksum: checksumOf(bytes),
      noTransaction: wantsNoTransaction(sql),
    });
  }
  files.sort((a, b) => a.version - b.version);
  return { source: { dir, builtIn, ignored }, files };
}
