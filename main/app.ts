import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AppInfo, LogLevel, TransportName } from '../common/domain';
import { EventHub } from './events';
import { logDirOf, shippedMigrationsDir, sledImportsDirOf, snapshotsDirOf, storeFileOf } from './paths';
import type { Handlers, Router } from './rpc/router';
import { createRouter } from './rpc/router';
import type { Logger } from './services/logging/log-service';
import { LogService } from './services/logging/log-service';
import { AppStore } from './services/store/app-store';
import { SchemaLister } from './services/postgres/schema-lister';
import { ConnectionManager } from './services/connections/connection-manager';
import { ProfileStore } from './services/connections/profile-store';
import type { SecretStore } from './services/connections/secret-store';
import { NoSecretStore } from './services/connections/secret-store';
import type { FilePicker } from './services/files/file-picker';
import { NoFilePicker } from './services/files/file-picker';
import { LocalPostgres } from './services/local-pg/local-postgres';
import type { CoreServices } from './rpc/handlers/deps';
import { backendHandlers } from './rpc/handlers/backend';
import { dataHandlers } from './rpc/handlers/data';
import { sledHandlers } from './rpc/handlers/sled';
import { snapshotHandlers } from './rpc/handlers/snapshots';
import { leanHeap } from './services/lean-heap';
import { SledManager } from './services/sled/sled-manager';
import { SnapshotManager } from './services/snapshots/snapshot-manager';
import { backendDirs, BackendManager } from './services/backend/backend-manager';
import { BackendStore } from './services/backend/backend-store';
import { localPgHandlers } from './rpc/handlers/local-pg';
import { migrationHandlers } from './rpc/handlers/migrations';
import { profileHandlers } from './rpc/handlers/profiles';
import { schemaHandlers } from './rpc/handlers/schema';

export interface AppOptions {
  dataDir: string;
  version: string;
  /** Where this process serves the contract from; reported by app.info. */
  transport: TransportName;
  electronVersion?: string | null;
  logDir?: string;
  logToConsole?: boolean;
  logLevel?: LogLevel;
  nativeBinding?: string;
  /** Encrypts saved passwords; the desktop app passes Electron's safeStorage. */
  secrets?: SecretStore;
  /** The system's file dialogs; the desktop app passes Electron's. */
  filePicker?: FilePicker;
  env?: NodeJS.ProcessEnv;
  clock?: () => Date;
  /**
   * Reap backends a crashed app left behind and start those marked to start with
   * the app. The desktop app and serve mode do; one-shot CLI commands do not.
   */
  startBackends?: boolean;
  /** The migrations shipped with the app (the packaged app's resources/migrations); found beside package.json otherwise. */
  migrationsDir?: string;
}

export interface App {
  readonly router: Router;
  readonly events: EventHub;
  readonly log: LogService;
  readonly logger: Logger;
  readonly store: AppStore;
  readonly schemas: SchemaLister;
  readonly services: CoreServices;
  /** Stop every service in the reverse order of creation and wait for each. */
  shutdown(): Promise<void>;
}

interface Stoppable {
  name: string;
  stop: () => Promise<void> | void;
}

/**
 * The composition root: builds the services in dependency order and wires them
 * to the contract. The only place that knows every service.
 */
export function createApp(options: AppOptions): App {
  const clock = options.clock ?? (() => new Date());
  const startedAt = clock().toISOString();
  fs.mkdirSync(options.dataDir, { recursive: true });
  const stack: Stoppable[] = [];

  const events = new EventHub();
  const log = new LogService({
    dir: options.logDir ?? logDirOf(options.dataDir),
    console: options.logToConsole ?? false,
    level: options.logLevel ?? 'info',
    clock,
  });
  const unsubscribeLog = log.onLine((line) => events.emit('logs.line', line));
  stack.push({ name: 'log', stop: unsubscribeLog });
  const logger = log.scope('app');

  const started = (name: string) => events.emit('app.serviceStatus', { service: name, status: 'ready' });

  const store = new AppStore({
    file: storeFileOf(options.dataDir),
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
    clock,
  });
  stack.push({ name: 'store', stop: () => store.close() });
  started('store');

  const schemas = new SchemaLister({ logger: log.scope('postgres') });
  const rendererLogger = log.scope('renderer');

  // The Local profile and the embedded server refer to each other; the callbacks run only after an async start.
  const localPg = new LocalPostgres({
    dataDir: options.dataDir,
    logger: log.scope('local-pg'),
    onStatus: (status) => events.emit('localPg.status', status),
    onTarget: (target) => profiles.updateLocalTarget(target),
    onSecret: (secret) => log.redactor.addSecret(secret),
  });
  // Stops only a server this process started; one started by `ops-console local-pg start` keeps running.
  stack.push({ name: 'local-pg', stop: () => localPg.stop() });
  const profiles = new ProfileStore({
    db: store.database,
    secrets: options.secrets ?? new NoSecretStore(),
    logger: log.scope('profiles'),
    clock,
    localTarget: () => localPg.knownTarget() ?? { host: '127.0.0.1', port: 0, database: 'postgres', user: 'postgres' },
  });
  const connections = new ConnectionManager({
    profiles,
    logger: log.scope('connections'),
    onStatus: (status) => events.emit('connections.status', status),
    local: localPg,
    ...(options.env ? { env: options.env } : {}),
    clock,
  });
  stack.push({ name: 'connections', stop: () => connections.closeAll() });
  const snapshots = new SnapshotManager({
    dir: snapshotsDirOf(options.dataDir),
    logger: log.scope('snapshots'),
    connections: {
      databaseUrl: (ref) => connections.databaseUrl(ref),
      describe: async (ref) => ({
        target: (await connections.resolve(ref)).target,
        profileName: 'profileId' in ref ? profiles.get(ref.profileId).name : null,
      }),
      withClients: (ref, extra, fn) => connections.withClients(ref, extra, (client, helpers) => fn(client, helpers)),
    },
    onProgress: (progress) => events.emit('snapshot.progress', progress),
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
  });
  snapshots.init();
  // Stopped after the backends and before the pools: a running capture is cancelled and its file removed.
  stack.push({ name: 'snapshots', stop: () => snapshots.shutdown() });
  const sled = new SledManager({
    dir: sledImportsDirOf(options.dataDir),
    logger: log.scope('sled'),
    connections: {
      withClient: (ref, fn) =>
        connections.withClient(ref, (client, context) =>
          fn(client, { target: context.target, readOnly: context.readOnly }),
        ),
      cancel: (ref, backendPid) => connections.cancel(ref, backendPid),
    },
    onProgress: (progress) => events.emit('sled.progress', progress),
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
    clock,
    leanHeap: leanHeap(),
    // A CLI command serves no one else while it reads: a worker's start would only add to its time.
    ...(options.transport === 'cli' ? { inlineSummaryBytes: Number.POSITIVE_INFINITY } : {}),
  });
  sled.init();
  // A running import or load is cancelled (and a half-staged file removed) before the pools close.
  stack.push({ name: 'sled', stop: () => sled.shutdown() });
  const services: CoreServices = { log, events, store, profiles, connections, localPg, snapshots, sled };

  const backendStore = new BackendStore({ db: store.database, secrets: options.secrets ?? new NoSecretStore(), clock });
  const backends = new BackendManager({
    store: backendStore,
    databaseUrl: (profileId) => connections.databaseUrl({ profileId }),
    profileExists: (profileId) => profiles.list().some((p) => p.id === profileId),
    ...backendDirs(options.dataDir),
    logger: log.scope('backend'),
    onStatus: (status) => events.emit('backend.status', status),
    onLogs: (batch) => events.emit('backend.logs', batch),
  });
  // Stopped before the pools close (reverse order): a backend may still be using the local server.
  stack.push({ name: 'backends', stop: () => backends.shutdown() });
  if (options.startBackends) {
    void backends.init().catch((error: unknown) => logger.error('starting the supervised backends failed:', error));
  }

  // The dialogs open on this process's screen: only for the window it serves over IPC.
  const noPicker = new NoFilePicker();
  const pickerFor = (transport: TransportName): FilePicker =>
    transport === 'ipc' ? (options.filePicker ?? noPicker) : noPicker;
  const handlers: Handlers = {
    'app.info': (_input, context): AppInfo => ({
      name: 'ops-console',
      version: options.version,
      dataDir: options.dataDir,
      logFile: log.file,
      platform: process.platform,
      arch: process.arch,
      nodeVersion: process.versions.node,
      electronVersion: options.electronVersion ?? null,
      transport: context.transport,
      storeSchemaVersion: store.schemaVersion(),
      startedAt,
      filePicker: pickerFor(context.transport) !== noPicker,
    }),
    'db.listSchemas': (input) => schemas.listSchemas(input.url, { includeSystem: input.includeSystem ?? false }),
    'logs.recent': (input) => log.recent(input.limit ?? 500),
    'logs.write': (input) => {
      rendererLogger[input.level](input.message);
      return null;
    },
    'files.chooseOpen': async (input, context) => ({ paths: await pickerFor(context.transport).chooseOpen(input) }),
    'files.chooseSave': async (input, context) => ({ path: await pickerFor(context.transport).chooseSave(input) }),
    ...profileHandlers(services),
    ...localPgHandlers(services),
    ...schemaHandlers(services),
    ...dataHandlers(services),
    ...backendHandlers(backends),
    ...snapshotHandlers(services),
    ...sledHandlers(services),
    ...migrationHandlers(services, options.migrationsDir ?? shippedMigrationsDir(fileURLToPath(import.meta.url))),
  };
  const router = createRouter(handlers, log.scope('rpc'), (text) => log.redactor.redact(text));
  logger.info(`ops-console ${options.version} started (${options.transport}); data folder ${options.dataDir}`);
  if (log.fileProblem) {
    logger.warn(`the log file ${log.file} cannot be written (${log.fileProblem}); log lines stay in memory only`);
  }

  let shutdownPromise: Promise<void> | undefined;
  const shutdown = () => {
    shutdownPromise ??= (async () => {
      logger.info('shutting down');
      while (stack.length > 0) {
        const item = stack.pop();
        if (!item) break;
        events.emit('app.serviceStatus', { service: item.name, status: 'stopping' });
        try {
          await item.stop();
          events.emit('app.serviceStatus', { service: item.name, status: 'stopped' });
        } catch (error) {
          logger.error(`stopping ${item.name} failed:`, error);
          events.emit('app.serviceStatus', { service: item.name, status: 'failed' });
        }
      }
    })();
    return shutdownPromise;
  };

  return { router, events, log, logger, store, schemas, services, shutdown };
}
