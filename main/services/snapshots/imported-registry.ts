import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logging/log-service';

export const IMPORTED_REGISTRY = 'imported.json';

export interface ImportRecord {
  importedAt: string;
  /** The file it was imported from. */
  source: string;
  /** Its id in that file when it had to take a new one here, else null. */
  originalId: string | null;
}

interface RegistryFile {
  version: 1;
  snapshots: Record<string, ImportRecord>;
}

/**
 * Which snapshots in the folder were imported, kept beside them in
 * `imported.json` rather than in the files: an imported file is kept as it was
 * exported (only `meta.id` changes, when its id was already taken here).
 * Written whole to a temporary file and renamed, so a crash leaves the old or
 * the new registry, never half of one.
 */
export class ImportedRegistry {
  private readonly file: string;
  private readonly logger: Logger;

  constructor(dir: string, logger: Logger) {
    this.file = path.join(dir, IMPORTED_REGISTRY);
    this.logger = logger;
  }

  ids(): Set<string> {
    return new Set(Object.keys(this.read()));
  }

  add(id: string, record: ImportRecord): void {
    this.write({ ...this.read(), [id]: record });
  }

  /** Drops `id` and any record whose file is gone. */
  remove(id: string, existing: ReadonlySet<string>): void {
    const records = this.read();
    const kept = Object.fromEntries(Object.entries(records).filter(([key]) => key !== id && existing.has(key)));
    if (Object.keys(kept).length !== Object.keys(records).length) this.write(kept);
  }

  private read(): Record<string, ImportRecord> {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn(`cannot read ${this.file}:`, error);
      return {};
    }
    try {
      const parsed = JSON.parse(text) as Partial<RegistryFile> | null;
      const snapshots = parsed?.snapshots;
      if (typeof snapshots === 'object' && snapshots !== null) return { ...snapshots };
    } catch {
      // Reported below; the flag only labels snapshots, so a lost registry is not fatal.
    }
    this.logger.warn(`${this.file} is malformed; imported snapshots are shown as local`);
    return {};
  }

  private write(snapshots: Record<string, ImportRecord>): void {
    const body: RegistryFile = { version: 1, snapshots };
    const temp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, `${JSON.stringify(body, null, 2)}\n`);
    fs.renameSync(temp, this.file);
  }
}
