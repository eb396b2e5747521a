import type pg from 'pg';
import type { CatalogModel } from '../../../common/catalog';
import { OpsError } from '../../../common/errors';
import type { ConnectionRef } from '../../../common/profiles';
import type {
  CaptureProgress,
  SnapshotDetail,
  SnapshotDiff,
  SnapshotIntegrity,
  SnapshotSummary,
} from '../../../common/snapshots';
import { CatalogReader } from '../catalog/catalog-reader';
import type { Logger } from '../logging/log-service';
import { cleanupPartials, SnapshotCapture } from './capture';
import { diffSnapshotSources, type DiffInput } from './diff';
import { storageFor } from './format';
import { liveRowSource, snapshotRowSource } from './row-sources';
import type { SnapshotFile } from './snapshot-file';
import { SnapshotDataSource } from './snapshot-source';
import { SnapshotStore } from './snapshot-store';

/** What the manager needs from the connections: a URL for the capture worker, and clients for a live diff. */
export interface SnapshotConnections {
  databaseUrl(ref: ConnectionRef): Promise<string>;
  /** Display target and profile name (never a password). */
  describe(ref: ConnectionRef): Promise<{ target: string; profileName: string | null }>;
  withClients<T>(
    ref: ConnectionRef,
    extra: number,
    fn: (client: pg.PoolClient, helpers: pg.PoolClient[]) => Promise<T>,
  ): Promise<T>;
}

export interface SnapshotManagerOptions {
  dir: string;
  logger: Logger;
  connections: SnapshotConnections;
  onProgress: (progress: CaptureProgress) => void;
  nativeBinding?: string;
}

export interface CreateRequest {
  connection: ConnectionRef;
  captureId: string;
  name?: string | undefined;
  tables?: string | undefined;
  rowsPerTable?: number | undefined;
}

export const DEFAULT_DIFF_ROW_LIMIT = 10_000;

/**
 * Snapshots for the app: capture (in a worker), the files (list, rename,
 * delete, integrity, export, import), browsing a snapshot through the same
 * data-source calls as a live database, and diffs.
 */
export class SnapshotManager {
  private readonly store: SnapshotStore;
  private readonly capture: SnapshotCapture;
  private readonly open = new Map<string, SnapshotFile>();
  private readonly options: SnapshotManagerOptions;
  private readonly logger: Logger;

  constructor(options: SnapshotManagerOptions) {
    this.options = options;
    this.logger = options.logger;
    const native = options.nativeBinding ? { nativeBinding: options.nativeBinding } : {};
    this.store = new SnapshotStore({ dir: options.dir, logger: options.logger, ...native });
    this.capture = new SnapshotCapture({ dir: options.dir, logger: options.logger, ...native });
  }

  /** Deletes what cancelled, failed or killed captures left behind. */
  init(): void {
    const removed = cleanupPartials(this.options.dir);
    if (removed > 0)
      this.logger.warn(
        `removed ${removed} unfinished snapshot ${removed === 1 ? 'file' : 'files'} left by an earlier run`,
      );
  }

  list(): SnapshotSummary[] {
    return this.store.list();
  }

  detail(idOrName: string): SnapshotDetail {
    return this.store.detail(idOrName);
  }

  async create(request: CreateRequest): Promise<SnapshotSummary> {
    const url = await this.options.connections.databaseUrl(request.connection);
    const { target, profileName } = await this.options.connections.describe(request.connection);
    const result = await this.capture.start({
      captureId: request.captureId,
      url,
      sourceProfile: profileName,
      sourceTarget: target,
      name: request.name ?? null,
      tablePattern: request.tables ?? null,
      rowLimit: request.rowsPerTable ?? null,
      onProgress: (progress) => this.options.onProgress(progress),
    });
    this.logger.info(`snapshot ${result.id} captured from ${target}`);
    return this.store.detail(result.id);
  }

  cancel(captureId: string): boolean {
    return this.capture.cancel(captureId);
  }

  rename(idOrName: string, name: string): SnapshotSummary {
    const { id } = this.store.resolve(idOrName);
    this.close(id);
    return this.store.rename(id, name);
  }

  delete(idOrName: string): { id: string } {
    const { id } = this.store.resolve(idOrName);
    this.close(id);
    return this.store.delete(id);
  }

  integrity(idOrName: string): SnapshotIntegrity {
    return this.store.integrity(idOrName);
  }

  exportTo(idOrName: string, file: string, overwrite = false): { id: string; file: string; bytes: number } {
    return this.store.exportTo(idOrName, file, { overwrite });
  }

  importFrom(file: string): SnapshotSummary {
    return this.store.importFrom(file);
  }

  /** The open, read-only file of a snapshot, kept for browsing. */
  private file(idOrName: string): SnapshotFile {
    const { id } = this.store.resolve(idOrName);
    let file = this.open.get(id);
    if (!file) {
      file = this.store.open(id);
      this.open.set(id, file);
    }
    return file;
  }

  /** The data source the schema browser, data grid and SQL console use for a snapshot. */
  source(idOrName: string): SnapshotDataSource {
    return new SnapshotDataSource(this.file(idOrName));
  }

  model(idOrName: string): CatalogModel {
    return this.file(idOrName).catalog();
  }

  private snapshotInput(idOrName: string): DiffInput {
    const file = this.file(idOrName);
    const summary = file.summary();
    return {
      side: { kind: 'snapshot', id: summary.id, name: summary.name, capturedAt: summary.startedAt },
      catalog: file.catalog(),
      tables: file.tables().map((table) => {
        const data = file.dataTable(table.schema, table.name);
        return {
          schema: table.schema,
          name: table.name,
          rows: table.rows,
          truncated: table.truncated,
          keyColumns: table.keyColumns,
          columns: table.columns.map((c) => c.name),
          source: snapshotRowSource(file.database, data?.table ?? '', table.columns, table.keyColumns),
        };
      }),
    };
  }

  async diff(
    left: string,
    right: { snapshot: string } | { connection: ConnectionRef },
    rowLimit = DEFAULT_DIFF_ROW_LIMIT,
  ): Promise<SnapshotDiff> {
    const leftInput = this.snapshotInput(left);
    if ('snapshot' in right) {
      return diffSnapshotSources(leftInput, this.snapshotInput(right.snapshot), { rowLimit });
    }
    return this.options.connections.withClients(right.connection, 1, async (client, helpers) => {
      const catalog = await new CatalogReader({ logger: this.logger }).read(client, helpers);
      // The catalog read is done: the row sources read one table at a time on the lead client.
      const tables = catalog.relations
        .filter((r) => r.kind === 'table' || r.kind === 'partitioned_table')
        .map((relation) => {
          const columns = relation.columns.map((c) => ({ name: c.name, storage: storageFor(c.type) }));
          return {
            schema: relation.schema,
            name: relation.name,
            rows: null,
            truncated: false,
            keyColumns: relation.primaryKey,
            columns: columns.map((c) => c.name),
            source: liveRowSource(client, relation.schema, relation.name, columns, relation.primaryKey, {
              kind: relation.kind === 'partitioned_table' ? 'partitioned_table' : 'table',
            }),
          };
        });
      const live: DiffInput = {
        side: { kind: 'live', database: catalog.database, at: new Date().toISOString() },
        catalog,
        tables,
      };
      return diffSnapshotSources(leftInput, live, { rowLimit });
    });
  }

  private close(id: string): void {
    this.open.get(id)?.close();
    this.open.delete(id);
  }

  async shutdown(): Promise<void> {
    await this.capture.stop();
    for (const id of [...this.open.keys()]) this.close(id);
  }
}

export function notSnapshotError(what: string): OpsError {
  return new OpsError('invalid_input', `${what} is not available on a snapshot`, {
    hint: 'A snapshot is a read-only capture: connect to the database to do this.',
  });
}
