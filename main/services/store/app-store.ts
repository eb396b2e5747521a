import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { OpsError } from '../../../common/errors';

/** Ordered schema steps for the app's own SQLite store; index + 1 is the user_version. */
const storeMigrations: readonly string[] = [
  `CREATE TABLE meta (
     key   TEXT PRIMARY KEY,
     value TEXT NOT NULL
   ) STRICT;`,
  `CREATE TABLE connection_profiles (
     id                   TEXT PRIMARY KEY,
     name                 TEXT NOT NULL UNIQUE COLLATE NOCASE,
     kind                 TEXT NOT NULL CHECK (kind IN ('local', 'remote')),
     host                 TEXT NOT NULL,
     port                 INTEGER NOT NULL,
     database             TEXT NOT NULL,
     user_name            TEXT NOT NULL,
     ssl_mode             TEXT NOT NULL,
     ssl_root_cert        TEXT,
     pool_size            INTEGER NOT NULL,
     statement_timeout_ms INTEGER NOT NULL,
     read_only            INTEGER NOT NULL,
     production           INTEGER NOT NULL,
     -- Encrypted by the platform secret store (Electron safeStorage); never plain text.
     password_encrypted   BLOB,
     created_at           TEXT NOT NULL,
     updated_at           TEXT NOT NULL
   ) STRICT;`,
  `CREATE TABLE backends (
     id                TEXT PRIMARY KEY,
     name              TEXT NOT NULL UNIQUE COLLATE NOCASE,
     -- BackendConfig without secret values (JSON).
     config_json       TEXT NOT NULL,
     -- The secret environment values, one JSON object encrypted by the platform secret store.
     secrets_encrypted BLOB,
     created_at        TEXT NOT NULL,
     updated_at        TEXT NOT NULL
   ) STRICT;`,
];

export interface AppStoreOptions {
  file: string;
  /** Path to a better_sqlite3.node built for the running ABI (the Electron build uses this). */
  nativeBinding?: string;
  clock?: () => Date;
}

/**
 * The app's own SQLite store (profiles, settings and later the backend
 * configuration live here). WAL, foreign keys on, a busy timeout, prepared
 * statements reused, writes in transactions.
 */
export class AppStore {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly getMeta: Database.Statement<[string], { value: string }>;
  private readonly putMeta: Database.Statement<[string, string]>;

  constructor(options: AppStoreOptions) {
    this.file = options.file;
    fs.mkdirSync(path.dirname(options.file), { recursive: true });
    try {
      this.db = new Database(options.file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('busy_timeout = 5000');
      this.db.pragma('synchronous = NORMAL');
      this.migrate();
    } catch (error) {
      throw new OpsError('unavailable', `Cannot open the app store at ${options.file}`, {
        hint: 'Check that the data folder is writable and not used by another copy of ops-console, or choose another one with --data-dir.',
        detail: error instanceof Error ? error.message : String(error),
        cause: error,
      });
    }
    this.getMeta = this.db.prepare('SELECT value FROM meta WHERE key = ?');
    this.putMeta = this.db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    );
    const now = (options.clock ?? (() => new Date()))().toISOString();
    this.db.transaction(() => {
      if (!this.getMeta.get('created_at')) this.putMeta.run('created_at', now);
    })();
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current > storeMigrations.length) {
      throw new Error(
        `store schema version ${current} is newer than this build understands (${storeMigrations.length}); upgrade ops-console`,
      );
    }
    const apply = this.db.transaction(() => {
      for (let version = current; version < storeMigrations.length; version++) {
        this.db.exec(storeMigrations[version] ?? '');
        this.db.pragma(`user_version = ${version + 1}`);
      }
    });
    apply();
  }

  /** The SQLite handle, for services whose tables live in this store (they prepare their own statements). */
  get database(): Database.Database {
    return this.db;
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  meta(key: string): string | undefined {
    return this.getMeta.get(key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.putMeta.run(key, value);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
