import type { LocalPgStatus } from '../../../common/profiles';
import type { LocalServerProvider } from '../connections/connection-manager';

// PLACEHOLDER: the embedded local PostgreSQL service (replaced in the same change set).
export interface LocalPostgresOptions {
  dataDir: string;
  logger: import('../logging/log-service').Logger;
  onStatus?: (status: LocalPgStatus) => void;
}

export class LocalPostgres implements LocalServerProvider {
  constructor(private readonly options: LocalPostgresOptions) {}
  status(): LocalPgStatus {
    return {
      state: 'stopped',
      url: null,
      port: null,
      dataDir: this.options.dataDir,
      version: null,
      pid: null,
      message: null,
    };
  }
  async ensureRunning(): Promise<{ host: string; port: number; database: string; user: string; password: string }> {
    throw new Error('not implemented');
  }
  async stop(): Promise<void> {}
}
