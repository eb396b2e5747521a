import { createHash } from 'node:crypto';
import pg from 'pg';
import type { ConnectionRef, ConnectionState, ConnectionStatus, PoolStats } from '../../../common/profiles';
import { OpsError } from '../../../common/errors';
import type { Logger } from '../logging/log-service';
import { toOpsError } from '../postgres/pg-errors';
import type { ConnectionTarget } from './pg-config';
import { clientConfig, displayUrl, isLoopbackHost, parseDatabaseUrl, resolvePassword, tlsOptions } from './pg-config';
import type { ProfileStore } from './profile-store';

/** What a service learns about the connection it runs on. */
export interface ConnectionContext {
  key: string;
  label: string;
  /** Display URL, password masked. */
  target: string;
  readOnly: boolean;
  production: boolean;
  statementTimeoutMs: number;
}

/** Starts the embedded local server on first use of the Local profile. */
export interface LocalServerProvider {
  ensureRunning(): Promise<{ host: string; port: number; database: string; user: string; password: string }>;
}

/** A resolved connection: where to go, as whom, with which session settings. */
export interface ResolvedConnection extends ConnectionContext {
  connection: ConnectionTarget;
  password: string | undefined;
  poolSize: number;
}

/**
 * A connection's session settings (read-only, statement timeout) as the
 * start-up packet's `options`, or null when it has none. They are not SET after
 * connecting: through a transaction pooler a SET stays on whichever server
 * session ran it, for the pooler's other clients, while our later transactions
 * may run in sessions that never had it. A pooler either refuses the parameter
 * (PgBouncer, Neon's pooled endpoint: the connection fails, saying so) or drops
 * it (ignore_startup_parameters), which assertSessionSettings catches.
 */
export function sessionOptions(settings: { readOnly: boolean; statementTimeoutMs: number }): string | null {
  const parts: string[] = [];
  if (settings.readOnly) parts.push('-c default_transaction_read_only=on');
  if (settings.statementTimeoutMs > 0) parts.push(`-c statement_timeout=${Math.floor(settings.statementTimeoutMs)}`);
  return parts.length > 0 ? parts.join(' ') : null;
}

/** What to do when a pooler stands between us and the server (pg-errors.ts says it too, when one refuses `options`). */
const DIRECT_HINT =
  'Connect to the database directly, not through a connection pooler (for Neon, the host without -pooler): a pooler in transaction mode hands each transaction whichever server session is free, so a session setting cannot hold there.';

/** Fails unless the session has the read-only default and statement timeout of `resolved`. */
async function assertSessionSettings(client: pg.PoolClient, resolved: ResolvedConnection): Promise<void> {
  const row = (
    await client.query<{ ro: string; timeout: string }>(
      `SELECT pg_catalog.current_setting('default_transaction_read_only') AS ro,
              (SELECT setting FROM pg_catalog.pg_settings WHERE name = 'statement_timeout') AS timeout`,
    )
  ).rows[0];
  const missing: string[] = [];
  if (resolved.readOnly && row?.ro !== 'on') missing.push('read-only');
  const timeout = Math.floor(resolved.statementTimeoutMs);
  if (timeout > 0 && Number(row?.timeout) !== timeout) missing.push(`a statement timeout of ${timeout} ms`);
  if (missing.length === 0) return;
  throw new OpsError(
    'conflict',
    `The session on ${resolved.target} does not have this connection's settings (${missing.join(', ')}): something between ops-console and the server, such as a connection pooler, dropped them`,
    { hint: DIRECT_HINT },
  );
}

interface PoolEntry {
  resolved: ResolvedConnection;
  pool: pg.Pool;
  /** The TLS setting actually in use (sslmode=prefer may have fallen back to none). */
  ssl: ReturnType<typeof tlsOptions>;
  state: ConnectionState;
  serverVersion: string | null;
  database: string | null;
  lastError: string | null;
  since: string;
}

export interface ConnectionManagerOptions {
  profiles: ProfileStore;
  logger: Logger;
  onStatus?: (status: ConnectionStatus) => void;
  local?: LocalServerProvider;
  env?: NodeJS.ProcessEnv;
  clock?: () => Date;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
}

const CONNECTION_LOST = /Connection terminated|ECONNRESET|EPIPE|terminating connection|server closed the connection/i;
const LOST_CODES = new Set(['57P01', '57P02', '57P03', 'ECONNRESET', 'EPIPE', 'ECONNREFUSED']);

function isConnectionLost(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  return !!e && ((e.code !== undefined && LOST_CODES.has(e.code)) || CONNECTION_LOST.test(e.message ?? ''));
}

export function urlKey(url: string): string {
  return `url:${createHash('sha256').update(url).digest('hex').slice(0, 16)}`;
}

/**
 * Owns the PostgreSQL pools: one per profile (or ad-hoc URL), opened on
 * demand. Read-only profiles are enforced by the session
 * (default_transaction_read_only), not by parsing SQL. Broken connections are
 * dropped from the pool and replaced on the next checkout, so a server
 * restart or a network blip heals without restarting the app.
 */
export class ConnectionManager {
  private readonly pools = new Map<string, PoolEntry>();
  private readonly options: ConnectionManagerOptions;
  /** Pooled sessions whose settings were checked (pg.Pool hands out the same client object for a session). */
  private readonly checkedSessions = new WeakSet<pg.PoolClient>();
  private readonly logger: Logger;
  private readonly clock: () => Date;

  constructor(options: ConnectionManagerOptions) {
    this.options = options;
    this.logger = options.logger;
    this.clock = options.clock ?? (() => new Date());
  }

  /** Work out target, password and session settings for a reference. */
  async resolve(ref: ConnectionRef): Promise<ResolvedConnection> {
    const env = this.options.env ?? process.env;
    if ('url' in ref) {
      const parsed = parseDatabaseUrl(ref.url, env);
      const { password, ...connection } = parsed;
      return {
        key: urlKey(ref.url),
        label: displayUrl(connection),
        target: displayUrl(connection),
        readOnly: !isLoopbackHost(connection.host),
        production: false,
        statementTimeoutMs: 0,
        connection,
        password: resolvePassword(connection, password, env),
        poolSize: 5,
      };
    }
    const profile = this.options.profiles.get(ref.profileId);
    let connection: ConnectionTarget = {
      host: profile.host,
      port: profile.port,
      database: profile.database,
      user: profile.user,
      sslMode: profile.sslMode,
      sslRootCert: profile.sslRootCert,
    };
    let password: string | undefined;
    if (profile.kind === 'local') {
      if (!this.options.local) {
        throw new OpsError('unavailable', 'The local PostgreSQL is not available in this mode');
      }
      const local = await this.options.local.ensureRunning();
      connection = { ...connection, host: local.host, port: local.port, database: local.database, user: local.user };
      password = local.password;
    } else {
      password = resolvePassword(connection, this.options.profiles.storedPassword(profile.id), env);
    }
    return {
      key: profile.id,
      label: profile.name,
      target: displayUrl(connection),
      readOnly: profile.readOnly,
      production: profile.production,
      statementTimeoutMs: profile.statementTimeoutMs,
      connection,
      password,
      poolSize: profile.poolSize,
    };
  }

  private statusOf(entry: PoolEntry): ConnectionStatus {
    const pool = entry.pool;
    const stats: PoolStats = {
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max: entry.resolved.poolSize,
    };
    return {
      key: entry.resolved.key,
      label: entry.resolved.label,
      target: entry.resolved.target,
      state: entry.state,
      serverVersion: entry.serverVersion,
      database: entry.database,
      readOnly: entry.resolved.readOnly,
      production: entry.resolved.production,
      pool: stats,
      lastError: entry.lastError,
      since: entry.since,
    };
  }

  private setState(entry: PoolEntry, state: ConnectionState, error?: string | null): void {
    if (entry.state !== state) entry.since = this.clock().toISOString();
    entry.state = state;
    if (error !== undefined) entry.lastError = error;
    this.options.onStatus?.(this.statusOf(entry));
  }

  private createPool(resolved: ResolvedConnection, ssl: ReturnType<typeof tlsOptions>): pg.Pool {
    const options = sessionOptions(resolved);
    const pool = new pg.Pool({
      ...clientConfig(resolved.connection, resolved.password, {
        connectTimeoutMs: this.options.connectTimeoutMs ?? 10_000,
        ssl,
      }),
      ...(options === null ? {} : { options }),
      max: resolved.poolSize,
      idleTimeoutMillis: this.options.idleTimeoutMs ?? 30_000,
    });
    pool.on('error', (error) => {
      // An idle connection died (server restart, network blip): the pool drops it; the next checkout reconnects.
      const entry = this.pools.get(resolved.key);
      this.logger.warn(`connection to ${resolved.target} lost: ${error.message}`);
      if (entry) this.setState(entry, 'reconnecting', error.message);
    });
    return pool;
  }

  private async open(ref: ConnectionRef): Promise<PoolEntry> {
    const resolved = await this.resolve(ref);
    const existing = this.pools.get(resolved.key);
    if (existing) return existing;
    const ssl = tlsOptions(resolved.connection);
    const entry: PoolEntry = {
      resolved,
      ssl,
      pool: this.createPool(resolved, ssl),
      state: 'connecting',
      serverVersion: null,
      database: null,
      lastError: null,
      since: this.clock().toISOString(),
    };
    this.pools.set(resolved.key, entry);
    return entry;
  }

  /** A pooled client whose session has the connection's settings (checked once per session). */
  private async checkout(entry: PoolEntry): Promise<pg.PoolClient> {
    const client = await this.connectClient(entry);
    if (!this.checkedSessions.has(client) && sessionOptions(entry.resolved) !== null) {
      try {
        await assertSessionSettings(client, entry.resolved);
      } catch (error) {
        client.release(true);
        throw error;
      }
    }
    this.checkedSessions.add(client);
    return client;
  }

  private async connectClient(entry: PoolEntry): Promise<pg.PoolClient> {
    try {
      return await entry.pool.connect();
    } catch (error) {
      // sslmode=prefer: fall back to a plain connection when the server has no TLS.
      const message = error instanceof Error ? error.message : String(error);
      if (entry.resolved.connection.sslMode === 'prefer' && /does not support SSL/i.test(message)) {
        const old = entry.pool;
        entry.ssl = false;
        entry.pool = this.createPool(entry.resolved, false);
        void old.end().catch(() => undefined);
        return entry.pool.connect();
      }
      throw error;
    }
  }

  /** Borrow a pooled client for `fn`; errors become OpsErrors with hints. */
  async withClient<T>(
    ref: ConnectionRef,
    fn: (client: pg.PoolClient, context: ConnectionContext) => Promise<T>,
  ): Promise<T> {
    const entry = await this.open(ref);
    const { resolved } = entry;
    let client: pg.PoolClient;
    try {
      client = await this.checkout(entry);
    } catch (error) {
      const mapped = toOpsError(error, resolved.target);
      this.setState(entry, 'error', mapped.message);
      throw mapped;
    }
    if (entry.state !== 'connected' || entry.serverVersion === null) {
      try {
        const info = await client.query<{ version: string; database: string }>(
          `SELECT current_setting('server_version') AS version, current_database() AS database`,
        );
        entry.serverVersion = info.rows[0]?.version ?? null;
        entry.database = info.rows[0]?.database ?? null;
      } catch (error) {
        client.release(error instanceof Error ? error : true);
        const mapped = toOpsError(error, resolved.target);
        this.setState(entry, 'error', mapped.message);
        throw mapped;
      }
      this.setState(entry, 'connected', null);
    }
    let broken: Error | undefined;
    try {
      return await fn(client, resolved);
    } catch (error) {
      if (isConnectionLost(error)) {
        broken = error instanceof Error ? error : new Error(String(error));
        this.setState(entry, 'reconnecting', broken.message);
      }
      throw error instanceof OpsError ? error : toOpsError(error, resolved.target);
    } finally {
      client.release(broken ?? false);
    }
  }

  /**
   * Borrow a client plus up to `extra` more for parallel read-only work. Extra
   * clients are taken only while the pool keeps at least one free slot, so
   * parallel readers never starve the pool or wait on each other.
   */
  async withClients<T>(
    ref: ConnectionRef,
    extra: number,
    fn: (client: pg.PoolClient, helpers: pg.PoolClient[], context: ConnectionContext) => Promise<T>,
  ): Promise<T> {
    return this.withClient(ref, async (client, context) => {
      const entry = this.pools.get(context.key);
      const helpers: pg.PoolClient[] = [];
      try {
        if (entry) {
          const free = entry.resolved.poolSize - entry.pool.totalCount + entry.pool.idleCount;
          const wanted = Math.max(0, Math.min(extra, free - 1));
          for (let i = 0; i < wanted; i++) helpers.push(await this.checkout(entry));
        }
        return await fn(client, helpers, context);
      } finally {
        for (const helper of helpers) helper.release();
      }
    });
  }

  /**
   * A libpq URL for a child process (the supervised backend's DATABASE_URL),
   * password included. Main-process use only: never logged, never sent to the renderer.
   */
  async databaseUrl(ref: ConnectionRef): Promise<string> {
    const { connection, password } = await this.resolve(ref);
    const u = new URL('postgres://placeholder');
    if (connection.host.startsWith('/')) {
      // A Unix-socket directory travels as the host parameter (libpq and pgx both read it).
      u.hostname = 'localhost';
      u.searchParams.set('host', connection.host);
    } else {
      u.hostname =
        connection.host.includes(':') && !connection.host.startsWith('[') ? `[${connection.host}]` : connection.host;
    }
    u.port = String(connection.port);
    u.pathname = `/${encodeURIComponent(connection.database)}`;
    u.username = encodeURIComponent(connection.user);
    if (password !== undefined) u.password = encodeURIComponent(password);
    u.searchParams.set('sslmode', connection.sslMode);
    if (connection.sslRootCert) u.searchParams.set('sslrootcert', connection.sslRootCert);
    return u.toString();
  }

  async connect(ref: ConnectionRef): Promise<ConnectionStatus> {
    await this.withClient(ref, async () => undefined);
    const entry = await this.open(ref);
    return this.statusOf(entry);
  }

  /** The context (read-only, production, target) of a reference without connecting. */
  async context(ref: ConnectionRef): Promise<ConnectionContext> {
    const { connection: _c, password: _p, poolSize: _s, ...context } = await this.resolve(ref);
    return context;
  }

  async disconnect(ref: ConnectionRef): Promise<void> {
    const key = 'url' in ref ? urlKey(ref.url) : this.options.profiles.get(ref.profileId).id;
    const entry = this.pools.get(key);
    if (!entry) return;
    this.pools.delete(key);
    await entry.pool.end().catch(() => undefined);
    entry.state = 'disconnected';
    this.options.onStatus?.(this.statusOf(entry));
  }

  status(): ConnectionStatus[] {
    return [...this.pools.values()].map((entry) => this.statusOf(entry));
  }

  /** Cancel a running query by backend pid, from another connection of the same pool. */
  async cancel(ref: ConnectionRef, backendPid: number): Promise<boolean> {
    const entry = await this.open(ref);
    const client = new pg.Client(
      clientConfig(entry.resolved.connection, entry.resolved.password, { connectTimeoutMs: 5000, ssl: entry.ssl }),
    );
    try {
      await client.connect();
      const result = await client.query<{ cancelled: boolean }>('SELECT pg_cancel_backend($1) AS cancelled', [
        backendPid,
      ]);
      return result.rows[0]?.cancelled ?? false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async closeAll(): Promise<void> {
    const entries = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(entries.map((entry) => entry.pool.end().catch(() => undefined)));
  }
}
