import path from 'node:path';
import type {
  BackendConfig,
  BackendConfigInput,
  BackendConfigView,
  BackendLogBatch,
  BackendLogPage,
  BackendLogQuery,
  BackendStatus,
  PreflightReport,
} from '../../../common/backend';
import { OpsError } from '../../../common/errors';
import type { Logger } from '../logging/log-service';
import { BackendLogs } from './backend-logs';
import type { BackendStore } from './backend-store';
import { preflightError, runPreflight } from './preflight';
import { reapOrphans } from './process-tree';
import { BackendSupervisor } from './supervisor';

/** Variables of this process that must not reach the backend unless configured for it. */
const WITHHELD_ENV = ['DATABASE_URL', 'PGPASSWORD', 'PGPASSFILE', 'OPS_CONSOLE_TOKEN', 'PORT'];

export interface BackendManagerOptions {
  store: BackendStore;
  /** DATABASE_URL (password included) for a connection profile; throws when it cannot be resolved. */
  databaseUrl: (profileId: string) => Promise<string>;
  profileExists: (profileId: string) => boolean;
  /** <data>/logs/backends: one rotating log file per backend. */
  logDir: string;
  /** <data>/run: pid files, so a crashed app's children are reaped at the next start. */
  pidDir: string;
  logger: Logger;
  onStatus: (status: BackendStatus) => void;
  onLogs: (batch: BackendLogBatch) => void;
  /** The environment the children inherit (this process's, minus the withheld names). */
  baseEnv?: NodeJS.ProcessEnv;
}

interface Entry {
  supervisor: BackendSupervisor;
  logs: BackendLogs;
}

/** Every configured backend, its supervisor and its logs; the one place main/app.ts wires for issue 5. */
export class BackendManager {
  private readonly options: BackendManagerOptions;
  private readonly entries = new Map<string, Entry>();
  private readonly logger: Logger;

  constructor(options: BackendManagerOptions) {
    this.options = options;
    this.logger = options.logger;
  }

  /** Reap what a crashed app left behind, then start the backends marked to start with the app. */
  async init(): Promise<void> {
    const reaped = await reapOrphans(this.options.pidDir, this.logger);
    for (const r of reaped)
      this.logger.warn(`reaped backend ${r.backendId} pid ${r.pid} left by a previous run: ${r.action}`);
    for (const config of this.options.store.list()) {
      if (!config.autoStart) continue;
      await this.start(config.id).catch((error: unknown) => {
        this.logger.error(`auto-start of backend ${config.name} failed:`, error);
      });
    }
  }

  private entry(config: BackendConfig): Entry {
    let entry = this.entries.get(config.id);
    if (entry) return entry;
    const logs = new BackendLogs({
      id: config.id,
      name: config.name,
      dir: this.options.logDir,
      onBatch: (batch) => this.options.onLogs(batch),
    });
    const supervisor = new BackendSupervisor({
      config,
      pidDir: this.options.pidDir,
      logger: this.logger,
      resolveEnv: () => this.childEnv(config.id),
      preflight: async () => {
        const report = await this.preflight(config.id);
        if (!report.ok) throw preflightError(report);
      },
      onStatus: (status) => this.options.onStatus(status),
      onLine: (stream, text) => logs.line(stream, text),
      tailLines: () => logs.tail(50),
    });
    entry = { supervisor, logs };
    this.entries.set(config.id, entry);
    return entry;
  }

  private config(id: string): BackendConfig {
    return this.options.store.get(id);
  }

  /** The child's environment: inherited, then PORT, DATABASE_URL from the profile, then the extra variables. */
  private async childEnv(id: string): Promise<NodeJS.ProcessEnv> {
    const config = this.config(id);
    const env: NodeJS.ProcessEnv = Object.fromEntries(
      Object.entries(this.options.baseEnv ?? process.env).filter(([name]) => !WITHHELD_ENV.includes(name)),
    );
    env.PORT = String(config.port);
    if (config.databaseProfileId) env.DATABASE_URL = await this.options.databaseUrl(config.databaseProfileId);
    const secrets = this.options.store.secretValues(id);
    for (const variable of config.env) {
      env[variable.key] = variable.secret ? secrets[variable.key] : (variable.value ?? '');
    }
    return env;
  }

  list(): Array<{ config: BackendConfigView; status: BackendStatus }> {
    return this.options.store.list().map((config) => ({ config, status: this.entry(config).supervisor.status() }));
  }

  save(input: BackendConfigInput): BackendConfigView {
    const saved = this.options.store.save(input);
    const entry = this.entries.get(saved.id);
    // Takes effect at the next start; a running backend keeps its process.
    entry?.supervisor.updateConfig(saved);
    this.logger.info(
      `backend ${saved.name} saved${entry && entry.supervisor.status().pid ? ' (applies at the next start)' : ''}`,
    );
    return saved;
  }

  async delete(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (entry) {
      await entry.supervisor.dispose();
      entry.logs.close();
      this.entries.delete(id);
    }
    this.options.store.delete(id);
  }

  async preflight(id: string): Promise<PreflightReport> {
    const config = this.config(id);
    return runPreflight({
      binaryPath: config.binaryPath,
      cwd: config.cwd,
      port: config.port,
      databaseProfileId: config.databaseProfileId,
      profileExists: (profileId) => this.options.profileExists(profileId),
      databaseUrlFromEnv: config.env.some((v) => v.key === 'DATABASE_URL'),
    });
  }

  async start(id: string): Promise<BackendStatus> {
    return this.entry(this.config(id)).supervisor.start();
  }

  async stop(id: string): Promise<BackendStatus> {
    return this.entry(this.config(id)).supervisor.stop();
  }

  async restart(id: string): Promise<BackendStatus> {
    return this.entry(this.config(id)).supervisor.restart();
  }

  logs(query: BackendLogQuery): BackendLogPage {
    const entry = this.entries.get(query.id) ?? this.entry(this.config(query.id));
    return entry.logs.query(query);
  }

  status(id: string): BackendStatus {
    const entry = this.entries.get(id);
    if (!entry) throw new OpsError('not_found', `There is no backend with id ${id}`);
    return entry.supervisor.status();
  }

  /** Stop every supervised process and wait for each (the app's quit path). */
  async shutdown(): Promise<void> {
    const all = [...this.entries.values()];
    await Promise.all(
      all.map(async ({ supervisor, logs }) => {
        try {
          await supervisor.dispose();
        } finally {
          logs.close();
        }
      }),
    );
    this.entries.clear();
  }
}

export function backendDirs(dataDir: string): { logDir: string; pidDir: string } {
  return { logDir: path.join(dataDir, 'logs', 'backends'), pidDir: path.join(dataDir, 'run') };
}
