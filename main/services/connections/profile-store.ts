import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { ConnectionProfile, ProfileInput, SslMode } from '../../../common/profiles';
import { LOCAL_PROFILE_ID } from '../../../common/profiles';
import { OpsError } from '../../../common/errors';
import type { Logger } from '../logging/log-service';
import { isLoopbackHost, parseDatabaseUrl, type ConnectionTarget } from './pg-config';
import type { SecretStore } from './secret-store';

interface ProfileRow {
  id: string;
  name: string;
  kind: 'local' | 'remote';
  host: string;
  port: number;
  database: string;
  user_name: string;
  ssl_mode: string;
  ssl_root_cert: string | null;
  pool_size: number;
  statement_timeout_ms: number;
  read_only: number;
  production: number;
  password_encrypted: Buffer | null;
  created_at: string;
  updated_at: string;
}

export interface StoredProfile extends ConnectionProfile, ConnectionTarget {}

export interface ProfileStoreOptions {
  db: Database.Database;
  secrets: SecretStore;
  logger: Logger;
  clock?: () => Date;
  /** Where the built-in Local profile points; supplied by the local PostgreSQL service. */
  localTarget?: () => { host: string; port: number; database: string; user: string };
}

function toProfile(row: ProfileRow): StoredProfile {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    host: row.host,
    port: row.port,
    database: row.database,
    user: row.user_name,
    sslMode: row.ssl_mode as SslMode,
    sslRootCert: row.ssl_root_cert,
    poolSize: row.pool_size,
    statementTimeoutMs: row.statement_timeout_ms,
    readOnly: row.read_only === 1,
    production: row.production === 1,
    hasStoredPassword: row.password_encrypted !== null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Connection profiles in the app's SQLite store. Passwords are kept only
 * encrypted by the SecretStore, and never leave this class except to open a
 * connection in main.
 */
export class ProfileStore {
  private readonly db: Database.Database;
  private readonly secrets: SecretStore;
  private readonly logger: Logger;
  private readonly clock: () => Date;
  private readonly statements;

  constructor(options: ProfileStoreOptions) {
    this.db = options.db;
    this.secrets = options.secrets;
    this.logger = options.logger;
    this.clock = options.clock ?? (() => new Date());
    this.statements = {
      all: this.db.prepare<[], ProfileRow>("SELECT * FROM connection_profiles ORDER BY kind = 'remote', name"),
      byId: this.db.prepare<[string], ProfileRow>('SELECT * FROM connection_profiles WHERE id = ?'),
      byName: this.db.prepare<[string], ProfileRow>('SELECT * FROM connection_profiles WHERE name = ?'),
      insert: this.db.prepare(
        `INSERT INTO connection_profiles (id, name, kind, host, port, database, user_name, ssl_mode, ssl_root_cert,
           pool_size, statement_timeout_ms, read_only, production, password_encrypted, created_at, updated_at)
         VALUES (@id, @name, @kind, @host, @port, @database, @user_name, @ssl_mode, @ssl_root_cert,
           @pool_size, @statement_timeout_ms, @read_only, @production, @password_encrypted, @created_at, @updated_at)`,
      ),
      update: this.db.prepare(
        `UPDATE connection_profiles SET name = @name, host = @host, port = @port, database = @database,
           user_name = @user_name, ssl_mode = @ssl_mode, ssl_root_cert = @ssl_root_cert, pool_size = @pool_size,
           statement_timeout_ms = @statement_timeout_ms, read_only = @read_only, production = @production,
           password_encrypted = @password_encrypted, updated_at = @updated_at
         WHERE id = @id`,
      ),
      remove: this.db.prepare<[string]>('DELETE FROM connection_profiles WHERE id = ?'),
    };
    this.ensureLocalProfile(options.localTarget?.());
  }

  /** The built-in Local profile always exists; its target follows the embedded server. */
  private ensureLocalProfile(target?: { host: string; port: number; database: string; user: string }): void {
    const now = this.clock().toISOString();
    const existing = this.statements.byId.get(LOCAL_PROFILE_ID);
    const t = target ?? { host: '127.0.0.1', port: 0, database: 'postgres', user: 'postgres' };
    if (!existing) {
      this.statements.insert.run({
        id: LOCAL_PROFILE_ID,
        name: 'Local',
        kind: 'local',
        host: t.host,
        port: t.port,
        database: t.database,
        user_name: t.user,
        ssl_mode: 'disable',
        ssl_root_cert: null,
        pool_size: 10,
        statement_timeout_ms: 0,
        read_only: 0,
        production: 0,
        password_encrypted: null,
        created_at: now,
        updated_at: now,
      });
    }
  }

  /** Point the Local profile at the embedded server once it has a port. */
  updateLocalTarget(target: { host: string; port: number; database: string; user: string }): void {
    this.db
      .prepare('UPDATE connection_profiles SET host = ?, port = ?, database = ?, user_name = ? WHERE id = ?')
      .run(target.host, target.port, target.database, target.user, LOCAL_PROFILE_ID);
  }

  list(): StoredProfile[] {
    return this.statements.all.all().map(toProfile);
  }

  get(id: string): StoredProfile {
    const row = this.statements.byId.get(id) ?? this.statements.byName.get(id);
    if (!row) {
      throw new OpsError('not_found', `No connection profile "${id}"`, {
        hint: 'List profiles in the Connections view (or `ops-console profiles`) and use an existing id or name.',
      });
    }
    return toProfile(row);
  }

  /** The decrypted stored password, or null. Main-process use only. */
  storedPassword(id: string): string | null {
    const row = this.statements.byId.get(id);
    if (!row?.password_encrypted) return null;
    return this.secrets.decrypt(row.password_encrypted);
  }

  save(input: ProfileInput): StoredProfile {
    const now = this.clock().toISOString();
    const existing = input.id ? this.statements.byId.get(input.id) : undefined;
    if (input.id && !existing) throw new OpsError('not_found', `No connection profile "${input.id}" to update`);
    if (existing?.kind === 'local') {
      throw new OpsError('invalid_input', 'The built-in Local profile cannot be edited', {
        hint: 'It follows the embedded PostgreSQL in the data folder. Create a new profile for another server.',
      });
    }
    const fromUrl = input.url ? parseDatabaseUrl(input.url, {}) : null;
    const host = input.host ?? fromUrl?.host ?? existing?.host;
    const database = input.database ?? fromUrl?.database ?? existing?.database;
    const user = input.user ?? fromUrl?.user ?? existing?.user_name;
    if (!host || !database || !user) {
      throw new OpsError('invalid_input', 'A profile needs a host, a database and a user', {
        hint: 'Fill them in, or paste a postgres:// URL.',
      });
    }
    const sslMode = input.sslMode ?? fromUrl?.sslMode ?? (existing?.ssl_mode as SslMode | undefined) ?? 'prefer';
    const sslRootCert =
      input.sslRootCert !== undefined ? input.sslRootCert : (fromUrl?.sslRootCert ?? existing?.ssl_root_cert ?? null);
    if ((sslMode === 'disable' || sslMode === 'prefer') && sslRootCert) {
      throw new OpsError('invalid_input', `A CA file is only used with sslmode verify-ca or verify-full`, {
        hint: 'Choose verify-ca or verify-full, or remove the CA file.',
      });
    }
    // A password in the pasted URL is treated like the password field: encrypted, never stored in the URL.
    const password = input.password !== undefined ? input.password : (fromUrl?.password ?? undefined);
    let passwordEncrypted: Buffer | null = existing?.password_encrypted ?? null;
    if (password === null) passwordEncrypted = null;
    else if (password !== undefined && password !== '') {
      if (!this.secrets.available) {
        throw new OpsError('unavailable', 'Refusing to save the password: no secure storage is available', {
          hint: `${this.secrets.reason ?? ''} Save the profile without a password and use PGPASSWORD or ~/.pgpass.`.trim(),
        });
      }
      passwordEncrypted = this.secrets.encrypt(password);
    }
    const row = {
      id: existing?.id ?? randomUUID(),
      name: input.name,
      kind: 'remote' as const,
      host,
      port: input.port ?? fromUrl?.port ?? existing?.port ?? 5432,
      database,
      user_name: user,
      ssl_mode: sslMode,
      ssl_root_cert: sslRootCert,
      pool_size: input.poolSize ?? existing?.pool_size ?? 10,
      statement_timeout_ms: input.statementTimeoutMs ?? existing?.statement_timeout_ms ?? 0,
      // Read-only by default for anything that is not this machine.
      read_only: (input.readOnly ?? (existing ? existing.read_only === 1 : !isLoopbackHost(host))) ? 1 : 0,
      production: (input.production ?? existing?.production === 1) ? 1 : 0,
      password_encrypted: passwordEncrypted,
      created_at: existing?.created_at ?? now,
      updated_at: now,
    };
    try {
      if (existing) this.statements.update.run(row);
      else this.statements.insert.run(row);
    } catch (error) {
      if (error instanceof Error && /UNIQUE constraint failed: connection_profiles.name/.test(error.message)) {
        throw new OpsError('invalid_input', `A profile named "${input.name}" already exists`, {
          hint: 'Choose another name.',
        });
      }
      throw error;
    }
    this.logger.info(
      `${existing ? 'updated' : 'created'} profile "${row.name}" (${row.host}:${row.port}/${row.database})`,
    );
    return this.get(row.id);
  }

  delete(id: string): void {
    const profile = this.get(id);
    if (profile.kind === 'local') {
      throw new OpsError('invalid_input', 'The built-in Local profile cannot be deleted');
    }
    this.statements.remove.run(profile.id);
    this.logger.info(`deleted profile "${profile.name}"`);
  }
}

/** What crosses a transport: the profile without target-only fields. Never a password. */
export function publicProfile(profile: StoredProfile): ConnectionProfile {
  return {
    id: profile.id,
    name: profile.name,
    kind: profile.kind,
    host: profile.host,
    port: profile.port,
    database: profile.database,
    user: profile.user,
    sslMode: profile.sslMode,
    sslRootCert: profile.sslRootCert,
    poolSize: profile.poolSize,
    statementTimeoutMs: profile.statementTimeoutMs,
    readOnly: profile.readOnly,
    production: profile.production,
    hasStoredPassword: profile.hasStoredPassword,
    createdAt: profile.createdAt,
    updatedAt: profile.updatedAt,
  };
}
