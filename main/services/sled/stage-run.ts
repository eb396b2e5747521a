/**
 * Staging itself: every export file read (export-reader.ts), every entry
 * decoded (decode.ts) and packed in batches (stage-batch.ts) for the SQLite
 * writes. The stage worker splits and reads here, hands blocks of lines to
 * decoder threads and has the rows written on a thread of its own
 * (stage-writer.ts); stageFiles does all of it on the calling thread (tests,
 * small imports).
 */
import { hash } from 'node:crypto';
import fs from 'node:fs';
import { decodeEntry, isWalletKey, redactWalletValue } from './decode';
import {
  detectExportFormat,
  JsonlReader,
  readExport,
  splitJsonl,
  type ExportFormat,
  type ExportSource,
  type RawEntry,
} from './export-reader';
import { BatchPacker, PackedInserter, type PackedEntry } from './stage-batch';
import type { StagingDb } from './staging-db';
import { UNREAD_HEADERS_META, UNSOURCED_META } from './staging-summary';

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

/** A block of format A lines, decoded on whichever thread the sink gives it to. */
export interface LineBlock {
  fileId: number;
  sourceId: number | null;
  /** The header state the block starts in (an unsupported header's reason, or null). */
  badHeader: string | null;
  firstLine: number;
  bytes: ArrayBuffer;
}

/** Where the staged rows go: the database on this thread, or the writer thread (and decoder threads). */
export interface StageSink {
  addFile(file: { path: string; bytes: number; format: ExportFormat }): number;
  addSource(source: { fileId: number; name: string; exportedAt: string | null; origin: string }): number;
  /** A batch of rows packed on this thread. */
  rows(buffer: ArrayBuffer, rows: number): void;
  /**
   * Which thread decodes each block of format A lines, in turn, round and
   * round: -1 this thread, n >= 0 block(n, …). [-1]: every block here.
   */
  readonly lanes: readonly number[];
  /** Hands a block to lane `index`; resolves with its entries once they are written (in order). */
  block(index: number, block: LineBlock): Promise<number>;
  /** Resolves when the sink can take more (backpressure); undefined when it can now. */
  room(): Promise<void> | undefined;
  finishFile(fileId: number, sha256: string, entries: number): void;
  setMeta(key: string, value: string): void;
}

/** Packs a block's entries (on any thread); returns how many. */
export function packBlock(block: LineBlock, packer: BatchPacker): number {
  const reader = new JsonlReader(
    {
      source() {
        throw new Error('a header line inside a block (splitJsonl keeps them out)');
      },
      entry(raw) {
        packer.add(stagedEntry(raw, block.fileId, block.sourceId));
      },
    },
    block.badHeader,
  );
  reader.block(Buffer.from(block.bytes), block.firstLine);
  return reader.entries;
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

/**
 * Reads `files` into `sink`. Format A: this thread splits the file into
 * blocks of lines (splitJsonl) and reads its headers; the blocks go round
 * robin to the sink's decoder threads and to this thread. Format B: this
 * thread reads and decodes all of it. Returns the number of entries.
 */
export async function readIntoSink(files: readonly string[], sink: StageSink, hooks: StageHooks): Promise<number> {
  const sizes = files.map((file) => fs.statSync(file).size);
  const bytesTotal = sizes.reduce((a, b) => a + b, 0);
  let bytesBefore = 0;
  let entries = 0;
  const unsourced: Record<string, number> = {};
  const unread: Record<string, string[]> = {};
  const packer = new BatchPacker();
  const flush = () => {
    if (packer.rows === 0) return;
    const { buffer, rows } = packer.take();
    sink.rows(buffer, rows);
  };
  const lanes = sink.lanes;
  let nextLane = 0;
  for (const [index, file] of files.entries()) {
    const format = await detectExportFormat(file);
    const fileId = sink.addFile({ path: file, bytes: sizes[index]!, format });
    let sourceId: number | null = null;
    let headerSeen = false;
    let fileEntries = 0;
    const written: Array<Promise<void>> = [];
    const count = (n: number, beforeHeader: boolean) => {
      fileEntries += n;
      entries += n;
      if (beforeHeader && n > 0) unsourced[fileId] = (unsourced[fileId] ?? 0) + n;
    };
    const visitor = {
      source(source: ExportSource | null, header?: { line: number; problem: string }) {
        headerSeen = true;
        if (header) (unread[fileId] ??= []).push(`line ${header.line}: ${header.problem}`);
        // Rows packed so far belong to the previous source, which the sink already knows.
        sourceId =
          source === null
            ? null
            : sink.addSource({ fileId, name: source.name, exportedAt: source.exportedAt, origin: source.origin });
      },
      entry(raw: RawEntry) {
        packer.add(stagedEntry(raw, fileId, sourceId));
        count(1, !headerSeen);
        if (packer.rows >= STAGE_BATCH) flush();
      },
    };
    const chunk = async (bytesDone: number) => {
      const wait = sink.room();
      if (wait) await wait;
      await hooks.chunk({ current: file, bytesDone: bytesBefore + bytesDone, bytesTotal, entries });
    };
    let result: { bytes: number; sha256: string };
    if (format === 'jsonl') {
      // Headers and this thread's blocks go through one reader, which keeps the header state.
      const reader = new JsonlReader(visitor);
      result = await splitJsonl(file, {
        block(bytes, firstLine) {
          const lane = lanes[nextLane]!;
          nextLane = (nextLane + 1) % lanes.length;
          if (lane < 0) {
            reader.block(bytes, firstLine);
            flush();
            return;
          }
          flush();
          const copy = new ArrayBuffer(bytes.length);
          new Uint8Array(copy).set(bytes);
          const beforeHeader = !headerSeen;
          const done = sink
            .block(lane, { fileId, sourceId, badHeader: reader.badHeaderState, firstLine, bytes: copy })
            .then((n) => count(n, beforeHeader));
          // A failure surfaces through room() or the Promise.all below, not as an unhandled rejection.
          done.catch(() => undefined);
          written.push(done);
        },
        header: (parsed, lineNo) => reader.header(parsed, lineNo),
        tooLong: (lineNo) => reader.tooLong(lineNo),
        chunk,
      });
    } else {
      const read = await readExport(file, { ...visitor, chunk }, format);
      result = read;
    }
    flush();
    await Promise.all(written);
    sink.finishFile(fileId, result.sha256, fileEntries);
    bytesBefore += result.bytes;
  }
  if (Object.keys(unsourced).length > 0) sink.setMeta(UNSOURCED_META, JSON.stringify(unsourced));
  if (Object.keys(unread).length > 0) sink.setMeta(UNREAD_HEADERS_META, JSON.stringify(unread));
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
    lanes: [-1],
    block: () => Promise.reject(new Error('this sink decodes every block on its own thread')),
    room: () => undefined,
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
