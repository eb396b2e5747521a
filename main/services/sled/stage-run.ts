/**
 * Staging itself: every export file read (export-reader.ts), every entry
 * decoded (decode.ts) and packed in batches (stage-batch.ts) for the SQLite
 * writes. The stage worker runs the reading here and the writing on a thread
 * of its own (stage-writer.ts); stageFiles does both on the calling thread
 * (tests, small imports).
 */
import { hash } from 'node:crypto';
import fs from 'node:fs';
import { decodeEntry, isWalletKey, redactWalletValue } from './decode';
import { detectExportFormat, readExport, type ExportFormat, type RawEntry } from './export-reader';
import { BatchPacker, PackedInserter, type PackedEntry } from './stage-batch';
import type { StagingDb } from './staging-db';
import { UNSOURCED_META } from './staging-summary';

/** Entries per batch (one SQLite transaction each). */
export const STAGE_BATCH = 8192;

export interface StageProgress {
  current: string | null;
  bytesDone: number;
  bytesTotal: number;
  entries: number;
}

export interface StageHooks {
  /** After every chunk read; throw to stop (cancel). */
  chunk(progress: StageProgress): void | Promise<void>;
}

/** Where the packed entries go: the database on this thread, or the writer thread. */
export interface StageSink {
  addFile(file: { path: string; bytes: number; format: ExportFormat }): number;
  addSource(source: { fileId: number; name: string; exportedAt: string | null; origin: string }): number;
  /** A batch of packed rows; may wait (backpressure). */
  rows(buffer: ArrayBuffer, rows: number): void | Promise<void>;
  finishFile(fileId: number, sha256: string, entries: number): void;
  setMeta(key: string, value: string): void;
}

/** What to stage for one raw entry: decoded, or kept with the reader's problem. */
export function stagedEntry(raw: RawEntry, fileId: number, sourceId: number | null): PackedEntry {
  if (raw.problem === null && raw.key !== null && raw.value !== null) {
    const d = decodeEntry({
      tree: raw.tree,
      key: raw.key,
      keyText: raw.keyText,
      value: raw.value,
      valueText: raw.valueText,
    });
    return {
      fileId,
      sourceId,
      origin: raw.origin,
      line: raw.line,
      tree: raw.tree,
      key: raw.key,
      value: d.stagedValue,
      // Only a redacted value needs it (secrets.ts checks the export it reads back against it).
      sha256: d.redacted ? hash('sha256', raw.value, 'buffer') : null,
      redacted: d.redacted,
      family: d.family,
      record: d.record,
      problem: d.problem,
      reason: d.reason,
    };
  }
  // Unreadable in part: keep what was read. A value whose key is unknown or a
  // wallet's may hold a secret, so it is kept only when it can be redacted.
  let value: Buffer | null = raw.value;
  let redacted = false;
  if (value !== null && (raw.key === null || isWalletKey(raw.key, raw.keyText))) {
    value = raw.key === null ? null : redactWalletValue(value, raw.valueText);
    redacted = true;
  }
  return {
    fileId,
    sourceId,
    origin: raw.origin,
    line: raw.line,
    tree: raw.tree,
    key: raw.key,
    value,
    sha256: redacted && raw.value !== null ? hash('sha256', raw.value, 'buffer') : null,
    redacted,
    family: null,
    record: null,
    problem: raw.problem ?? 'bad_entry',
    reason: raw.reason ?? 'the entry could not be read',
  };
}

/** Reads, decodes and packs `files` into `sink`; returns the number of entries. */
export async function readIntoSink(files: readonly string[], sink: StageSink, hooks: StageHooks): Promise<number> {
  const sizes = files.map((file) => fs.statSync(file).size);
  const bytesTotal = sizes.reduce((a, b) => a + b, 0);
  let bytesBefore = 0;
  let entries = 0;
  const unsourced: Record<string, number> = {};
  const packer = new BatchPacker();
  for (const [index, file] of files.entries()) {
    const format = await detectExportFormat(file);
    const fileId = sink.addFile({ path: file, bytes: sizes[index]!, format });
    let sourceId: number | null = null;
    let headerSeen = false;
    let pending: Promise<void> | null = null;
    const flush = () => {
      if (packer.rows === 0) return;
      const { buffer, rows } = packer.take();
      const waiting = sink.rows(buffer, rows);
      if (waiting) pending = pending ? pending.then(() => waiting) : waiting;
    };
    const result = await readExport(
      file,
      {
        source(source) {
          headerSeen = true;
          // Rows packed so far belong to the previous source, which the sink already knows.
          sourceId =
            source === null
              ? null
              : sink.addSource({ fileId, name: source.name, exportedAt: source.exportedAt, origin: source.origin });
        },
        entry(raw) {
          if (!headerSeen) unsourced[fileId] = (unsourced[fileId] ?? 0) + 1;
          packer.add(stagedEntry(raw, fileId, sourceId));
          entries += 1;
          if (packer.rows >= STAGE_BATCH) flush();
        },
        async chunk(bytesDone) {
          if (pending) {
            const wait = pending;
            pending = null;
            await wait;
          }
          await hooks.chunk({ current: file, bytesDone: bytesBefore + bytesDone, bytesTotal, entries });
        },
      },
      format,
    );
    flush();
    if (pending) await pending;
    sink.finishFile(fileId, result.sha256, result.entries);
    bytesBefore += result.bytes;
  }
  if (Object.keys(unsourced).length > 0) sink.setMeta(UNSOURCED_META, JSON.stringify(unsourced));
  await hooks.chunk({ current: null, bytesDone: bytesBefore, bytesTotal, entries });
  return entries;
}

/** A sink writing to `staging` on this thread. */
export function stagingSink(staging: StagingDb): StageSink {
  const inserter = new PackedInserter(staging);
  return {
    addFile: (file) => staging.addFile(file),
    addSource: (source) => staging.addSource(source),
    rows: (buffer) => {
      inserter.insert(buffer);
    },
    finishFile: (fileId, sha256, count) => staging.finishFile(fileId, sha256, count),
    setMeta: (key, value) => staging.setMeta(key, value),
  };
}

/**
 * Stages `files` into `staging` (created, still 'staging') on this thread;
 * the caller finishes it. Returns the number of entries staged.
 */
export function stageFiles(staging: StagingDb, files: readonly string[], hooks: StageHooks): Promise<number> {
  return readIntoSink(files, stagingSink(staging), hooks);
}
