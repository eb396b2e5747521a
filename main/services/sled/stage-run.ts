/**
 * Staging itself: every export file read (export-reader.ts), every entry
 * decoded (decode.ts) and written to the staging database in big batches.
 * Runs in the stage worker (stage-worker.ts); synchronous SQLite, so never on
 * the main thread.
 */
import { hash } from 'node:crypto';
import fs from 'node:fs';
import type { NewEntry, StagingDb } from './staging-db';
import { decodeEntry, isWalletKey, redactWalletValue } from './decode';
import { detectExportFormat, readExport, type RawEntry } from './export-reader';
import { UNSOURCED_META } from './staging-summary';

/** Entries per SQLite transaction. */
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

/** What to stage for one raw entry: decoded, or kept with the reader's problem. */
export function stagedEntry(raw: RawEntry, fileId: number, sourceId: number | null): NewEntry {
  const valueSha256 = raw.value === null ? null : hash('sha256', raw.value, 'hex');
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
      tree: raw.tree,
      key: raw.key,
      value: d.stagedValue,
      valueSha256,
      valueRedacted: d.redacted,
      family: d.family,
      target: d.target,
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
    tree: raw.tree,
    key: raw.key,
    value,
    valueSha256,
    valueRedacted: redacted,
    family: null,
    target: null,
    record: null,
    problem: raw.problem ?? 'bad_entry',
    reason: raw.reason ?? 'the entry could not be read',
  };
}

/**
 * Stages `files` into `staging` (created, still 'staging'); the caller
 * finishes it. Returns the number of entries staged.
 */
export async function stageFiles(staging: StagingDb, files: readonly string[], hooks: StageHooks): Promise<number> {
  const sizes = files.map((file) => fs.statSync(file).size);
  const bytesTotal = sizes.reduce((a, b) => a + b, 0);
  let bytesBefore = 0;
  let entries = 0;
  const unsourced: Record<string, number> = {};
  for (const [index, file] of files.entries()) {
    const format = await detectExportFormat(file);
    const fileId = staging.addFile({ path: file, bytes: sizes[index]!, format });
    let sourceId: number | null = null;
    let headerSeen = false;
    let batch: NewEntry[] = [];
    const flush = () => {
      if (batch.length === 0) return;
      staging.insertEntries(batch);
      batch = [];
    };
    const result = await readExport(
      file,
      {
        source(source) {
          headerSeen = true;
          sourceId =
            source === null
              ? null
              : staging.addSource({ fileId, name: source.name, exportedAt: source.exportedAt, origin: source.origin });
        },
        entry(raw) {
          if (!headerSeen) unsourced[fileId] = (unsourced[fileId] ?? 0) + 1;
          batch.push(stagedEntry(raw, fileId, sourceId));
          entries += 1;
          if (batch.length >= STAGE_BATCH) flush();
        },
        chunk(bytesDone) {
          return hooks.chunk({ current: file, bytesDone: bytesBefore + bytesDone, bytesTotal, entries });
        },
      },
      format,
    );
    flush();
    staging.finishFile(fileId, result.sha256, result.entries);
    bytesBefore += result.bytes;
  }
  if (Object.keys(unsourced).length > 0) staging.setMeta(UNSOURCED_META, JSON.stringify(unsourced));
  await hooks.chunk({ current: null, bytesDone: bytesBefore, bytesTotal, entries });
  return entries;
}
