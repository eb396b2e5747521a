import { BatchBuilder, readBatch } from './capture-writer';
import { CopyTextScanner, type CopyRow } from './copy-text';

/** Splits a buffer at the given offsets (any order, duplicates allowed): COPY data as chunks cut anywhere. */
export function splitAt(buffer: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buffer.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    pieces.push(buffer.subarray(start, point));
    start = point;
  }
  pieces.push(buffer.subarray(start));
  return pieces;
}

/**
 * COPY bytes through the capture's own path: scanned into a BatchBuilder (a
 * batch taken after every chunk, as the capture thread does) and read back as
 * the writer thread reads batches. The rows are copies; the fields are views.
 */
export function copyRows(columns: number, chunks: Buffer[]): CopyRow[] {
  const builder = new BatchBuilder();
  const scanner = new CopyTextScanner(columns, builder);
  const rows: CopyRow[] = [];
  const drain = () => {
    const batch = builder.take();
    if (batch) readBatch(batch, columns, (fields) => rows.push([...fields]));
  };
  for (const chunk of chunks) {
    scanner.push(chunk);
    drain();
  }
  scanner.end();
  drain();
  return rows;
}

/** A field's bytes read as UTF-8 text. */
export function fieldText(field: Uint8Array | null): string | null {
  return field === null ? null : Buffer.from(field.buffer, field.byteOffset, field.byteLength).toString('utf8');
}
