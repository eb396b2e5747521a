import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { OpsError } from '../../../common/errors';
import type { SnapshotDetail, SnapshotIntegrity, SnapshotSummary } from '../../../common/snapshots';
import type { Logger } from '../logging/log-service';
import { PARTIAL_EXTENSION, SNAPSHOT_EXTENSION, type MetaKey } from './format';
import { ImportedRegistry } from './imported-registry';
import { SnapshotFile } from './snapshot-file';
import { alteredSnapshot, damagedSnapshot, errorMessage } from './snapshot-validate';

export interface SnapshotStoreOptions {
  /** `<data>/snapshots`; created when missing. */
  dir: string;
  logger: Logger;
  /** A better_sqlite3.node built for the running ABI (the Electron build). */
  nativeBinding?: string;
  clock?: () => Date;
}

export interface SnapshotRef {
  id: string;
  file: string;
}

/** Ids are file names: letters, digits, - and _ (a UUID, or what a capture chose). */
const SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_NAME = 200;
/** How many names a "not found" hint lists. */
const HINT_NAMES = 5;
const SIDECARS = ['-journal', '-wal', '-shm'];

/**
 * The snapshots in `<data>/snapshots`, one `<id>.snapshot` file each (format.ts).
 * A snapshot is named by its id or its name wherever one is expected
 * (resolve()). Files are opened read-only (SnapshotFile); only rename (and an
 * import that must take a new id) writes, to `meta` alone, never to the rows.
 */
export class SnapshotStore {
  readonly dir: string;
  private readonly logger: Logger;
  private readonly nativeBinding: string | undefined;
  private readonly clock: () => Date;
  private readonly registry: ImportedRegistry;

  constructor(options: SnapshotStoreOptions) {
    this.dir = options.dir;
    this.logger = options.logger;
    this.nativeBinding = options.nativeBinding;
    this.clock = options.clock ?? (() => new Date());
    fs.mkdirSync(this.dir, { recursive: true });
    this.registry = new ImportedRegistry(this.dir, this.logger);
  }

  /** Where the snapshot with this id lives (whether or not it exists yet). */
  fileFor(id: string): string {
    if (!SAFE_ID.test(id)) {
      throw new OpsError('invalid_input', `"${id}" is not a snapshot id`, {
        hint: 'Ids are letters, digits, - and _.',
      });
    }
    return path.join(this.dir, `${id}${SNAPSHOT_EXTENSION}`);
  }

  /** Every readable snapshot, newest capture first. A file that fails to open is skipped and logged. */
  list(): SnapshotSummary[] {
    const imported = this.registry.ids();
    const summaries: SnapshotSummary[] = [];
    for (const id of this.ids()) {
      let snapshot: SnapshotFile | undefined;
      try {
        snapshot = this.openFile(id, imported.has(id));
        summaries.push({ ...snapshot.summary(), id });
      } catch (error) {
        this.logger.warn(`skipping snapshot file ${id}${SNAPSHOT_EXTENSION}: ${errorMessage(error)}`);
      } finally {
        snapshot?.close();
      }
    }
    return summaries.sort((a, b) => compareDesc(a.startedAt, b.startedAt) || compareDesc(a.id, b.id));
  }

  /** By id, else by exact name, else by a case-insensitive name that only one snapshot has. */
  resolve(idOrName: string): SnapshotRef {
    const wanted = idOrName.trim();
    if (wanted === '') throw new OpsError('invalid_input', 'A snapshot id or name is required');
    if (SAFE_ID.test(wanted) && fs.existsSync(this.fileFor(wanted))) return { id: wanted, file: this.fileFor(wanted) };
    const summaries = this.list();
    const exact = summaries.filter((s) => s.name === wanted);
    const lower = wanted.toLowerCase();
    const matches = exact.length > 0 ? exact : summaries.filter((s) => s.name.toLowerCase() === lower);
    const [match, ...others] = matches;
    if (match && others.length === 0) return { id: match.id, file: this.fileFor(match.id) };
    if (match) {
      throw new OpsError('invalid_input', `${matches.length} snapshots are named "${wanted}"`, {
        hint: `Name one by its id: ${matches.map((s) => s.id).join(', ')}.`,
      });
    }
    const names = summaries.slice(0, HINT_NAMES).map((s) => `"${s.name}"`);
    const more = summaries.length > HINT_NAMES ? ` and ${summaries.length - HINT_NAMES} more` : '';
    throw new OpsError('not_found', `There is no snapshot with the id or name "${wanted}"`, {
      hint: names.length > 0 ? `Snapshots here: ${names.join(', ')}${more}.` : 'There are no snapshots yet.',
    });
  }

  /** Opens a snapshot read-only; the caller closes it. */
  open(idOrName: string): SnapshotFile {
    const { id } = this.resolve(idOrName);
    return this.openFile(id, this.registry.ids().has(id));
  }

  detail(idOrName: string): SnapshotDetail {
    return this.withFile(idOrName, (snapshot, id) => ({ ...snapshot.detail(), id }));
  }

  integrity(idOrName: string): SnapshotIntegrity {
    return this.withFile(idOrName, (snapshot, id) => ({ ...snapshot.integrity(), id }));
  }

  /** Names are unique, ignoring case (so a name always resolves to one snapshot). */
  rename(idOrName: string, newName: string): SnapshotSummary {
    const name = newName.trim();
    if (name === '' || name.length > MAX_NAME) {
      throw new OpsError('invalid_input', `A snapshot name is 1 to ${MAX_NAME} characters`);
    }
    const ref = this.resolve(idOrName);
    const clash = this.list().find((s) => s.id !== ref.id && s.name.toLowerCase() === name.toLowerCase());
    if (clash) {
      throw new OpsError('conflict', `Snapshot ${clash.id} is already named "${clash.name}"`, {
        hint: 'Snapshot names are unique (ignoring case); choose another name.',
      });
    }
    this.withFile(ref.id, () => undefined); // only ever write into a file that is a snapshot
    this.writeMeta(ref.file, { name }, ref.id);
    this.logger.info(`renamed snapshot ${ref.id} to "${name}"`);
    return this.withFile(ref.id, (snapshot, id) => ({ ...snapshot.summary(), id }));
  }

  delete(idOrName: string): { id: string } {
    const ref = this.resolve(idOrName);
    try {
      for (const file of [ref.file, ...SIDECARS.map((suffix) => ref.file + suffix)]) fs.rmSync(file, { force: true });
    } catch (error) {
      throw new OpsError('unavailable', `Cannot delete snapshot ${ref.id}`, {
        hint: 'It may be open in another window or program; close it and try again.',
        detail: errorMessage(error),
        cause: error,
      });
    }
    this.registry.remove(ref.id, new Set(this.ids()));
    this.logger.info(`deleted snapshot ${ref.id}`);
    return { id: ref.id };
  }

  /**
   * Copies the snapshot file to `file`: written beside it under a temporary name
   * and renamed, so the destination is whole or absent. An existing file is
   * kept unless `overwrite`; the destination folder must exist.
   */
  exportTo(
    idOrName: string,
    file: string,
    options: { overwrite?: boolean } = {},
  ): { id: string; file: string; bytes: number } {
    const ref = this.resolve(idOrName);
    const destination = path.resolve(file);
    const folder = path.dirname(destination);
    if (!isDirectory(folder)) {
      throw new OpsError('not_found', `The folder ${folder} does not exist`, {
        hint: 'Choose an existing folder, or create it first.',
      });
    }
    if (isDirectory(destination)) {
      throw new OpsError('invalid_input', `${destination} is a folder`, { hint: 'Give a file name to export to.' });
    }
    if (path.resolve(ref.file) === destination) {
      throw new OpsError('invalid_input', 'A snapshot cannot be exported onto its own file');
    }
    if (!options.overwrite && fs.existsSync(destination)) throw exists(destination);
    const bytes = this.withFile(ref.id, (snapshot) => snapshot.fileBytes);
    const temp = path.join(folder, `.${path.basename(destination)}.${randomUUID()}.tmp`);
    try {
      copyDurably(ref.file, temp);
      if (options.overwrite) fs.renameSync(temp, destination);
      else placeWithoutReplacing(temp, destination);
    } catch (error) {
      if (error instanceof OpsError) throw error;
      throw new OpsError('unavailable', `Cannot write ${destination}`, { detail: errorMessage(error), cause: error });
    } finally {
      fs.rmSync(temp, { force: true });
    }
    this.logger.info(`exported snapshot ${ref.id} to ${destination}`);
    return { id: ref.id, file: destination, bytes };
  }

  /**
   * Adopts a snapshot file exported elsewhere. It is copied into the folder under
   * a working name and checked there, before it is listed: a snapshot this build
   * reads, SQLite's integrity check, the recorded row counts and the content
   * hash. It keeps its id unless that id is taken here (then a new one, written
   * to its `meta.id`), keeps its name, and is recorded as imported.
   */
  importFrom(file: string): SnapshotSummary {
    const source = path.resolve(file);
    const temp = path.join(this.dir, `import-${randomUUID()}${PARTIAL_EXTENSION}`);
    try {
      if (!fs.existsSync(source)) throw new OpsError('not_found', `There is no file at ${source}`);
      if (isDirectory(source)) throw new OpsError('invalid_input', `${source} is a folder, not a snapshot file`);
      try {
        fs.copyFileSync(source, temp);
      } catch (error) {
        throw new OpsError('unavailable', `Cannot read ${source}`, { detail: errorMessage(error), cause: error });
      }
      const originalId = this.checkImport(temp, source);
      const id = SAFE_ID.test(originalId) && !this.idTaken(originalId) ? originalId : randomUUID();
      if (id !== originalId) this.writeMeta(temp, { id }, id);
      placeWithoutReplacing(temp, this.fileFor(id));
      this.registry.add(id, {
        importedAt: this.clock().toISOString(),
        source,
        originalId: id === originalId ? null : originalId,
      });
      this.logger.info(`imported snapshot ${id} from ${source}${id === originalId ? '' : ` (was ${originalId})`}`);
      return this.withFile(id, (snapshot) => ({ ...snapshot.summary(), id }));
    } finally {
      for (const leftover of [temp, ...SIDECARS.map((suffix) => temp + suffix)]) fs.rmSync(leftover, { force: true });
    }
  }

  /** Everything an import requires of a file; returns the id it records. */
  private checkImport(file: string, label: string): string {
    const snapshot = new SnapshotFile(file, { label, ...this.bindingOption() });
    try {
      snapshot.catalog();
      const report = snapshot.integrity();
      if (report.sqlite.length !== 1 || report.sqlite[0] !== 'ok') {
        // The first problem says enough; the rest usually repeats it for each table read.
        throw damagedSnapshot(label, report.sqlite[0] ?? 'SQLite integrity check failed');
      }
      const [mismatch] = report.rowCountMismatches;
      if (mismatch) {
        throw alteredSnapshot(
          label,
          `${mismatch.table} holds ${mismatch.found} rows where ${mismatch.recorded} were recorded`,
        );
      }
      if (!report.contentHashOk) throw alteredSnapshot(label, 'its rows do not match the recorded content hash');
      return snapshot.id;
    } finally {
      snapshot.close();
    }
  }

  private ids(): string[] {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(this.dir, { withFileTypes: true });
    } catch (error) {
      throw new OpsError('unavailable', `Cannot read the snapshot folder ${this.dir}`, {
        detail: errorMessage(error),
        cause: error,
      });
    }
    return entries
      .filter((entry) => entry.isFile() && entry.name.endsWith(SNAPSHOT_EXTENSION))
      .map((entry) => entry.name.slice(0, -SNAPSHOT_EXTENSION.length))
      .filter((id) => SAFE_ID.test(id));
  }

  /** Taken by a finished snapshot or a capture in progress. */
  private idTaken(id: string): boolean {
    return fs.existsSync(this.fileFor(id)) || fs.existsSync(path.join(this.dir, `${id}${PARTIAL_EXTENSION}`));
  }

  private openFile(id: string, imported: boolean): SnapshotFile {
    return new SnapshotFile(this.fileFor(id), {
      label: `snapshot ${id}`,
      imported,
      ...this.bindingOption(),
    });
  }

  private withFile<T>(idOrName: string, use: (snapshot: SnapshotFile, id: string) => T): T {
    const { id } = this.resolve(idOrName);
    const snapshot = this.openFile(id, this.registry.ids().has(id));
    try {
      return use(snapshot, id);
    } finally {
      snapshot.close();
    }
  }

  /** The one write to a snapshot file: meta values, in a transaction, on a briefly read-write handle. */
  private writeMeta(file: string, values: Partial<Record<MetaKey, string>>, id: string): void {
    let db: Database.Database | undefined;
    try {
      db = new Database(file, { fileMustExist: true, ...this.bindingOption() });
      db.pragma('busy_timeout = 5000');
      const update = db.prepare('UPDATE meta SET value = ? WHERE key = ?');
      const target = db;
      target.transaction(() => {
        for (const [key, value] of Object.entries(values)) update.run(value, key);
      })();
    } catch (error) {
      throw new OpsError('unavailable', `Cannot update snapshot ${id}`, {
        hint: 'Check that the snapshot folder is writable and the snapshot is not being captured.',
        detail: errorMessage(error),
        cause: error,
      });
    } finally {
      db?.close();
    }
  }

  private bindingOption(): { nativeBinding?: string } {
    return this.nativeBinding ? { nativeBinding: this.nativeBinding } : {};
  }
}

function compareDesc(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}

function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function exists(file: string): OpsError {
  return new OpsError('conflict', `${file} already exists`, {
    hint: 'Choose another file name, or allow overwriting it.',
  });
}

function copyDurably(from: string, to: string): void {
  fs.copyFileSync(from, to, fs.constants.COPYFILE_EXCL);
  const fd = fs.openSync(to, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Gives `temp` the name `target` unless `target` exists: a hard link fails
 * atomically on an existing name. Filesystems without hard links (FAT, some
 * network shares) get a check and a rename instead.
 */
function placeWithoutReplacing(temp: string, target: string): void {
  try {
    fs.linkSync(temp, target);
    fs.rmSync(temp, { force: true });
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw exists(target);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw error;
  }
  if (fs.existsSync(target)) throw exists(target);
  fs.renameSync(temp, target);
}
