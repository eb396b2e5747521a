import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Logger } from '../logging/log-service';
import type { LeanHeap } from '../lean-heap';
import type { SledProgress } from '../../../common/sled';
import { SledManager } from './sled-manager';
import { generateExport } from './test-export';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sled-manager-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const silent: Logger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

/** A LeanHeap that counts the runs that went through it, and tells whether one is inside it now. */
function recordingHeap() {
  let depth = 0;
  let runs = 0;
  const lean: LeanHeap = async (fn) => {
    runs += 1;
    depth += 1;
    try {
      return await fn();
    } finally {
      depth -= 1;
    }
  };
  return { lean, runs: () => runs, inside: () => depth > 0 };
}

describe('SledManager and the lean heap', () => {
  it('stages and plans inside the lean heap, and leaves it when a run fails', async () => {
    const heap = recordingHeap();
    const phases: string[] = [];
    const manager = new SledManager({
      dir: path.join(dir, 'imports'),
      logger: silent,
      connections: { withClient: () => Promise.reject(new Error('no database in this test')) },
      // Progress arrives while the import runs: it must be inside the lean period then.
      onProgress: (p) => phases.push(`${p.kind} ${p.phase} ${heap.inside() ? 'lean' : 'default'}`),
      leanHeap: heap.lean,
    });
    const exported = generateExport(path.join(dir, 'export.jsonl'), { entries: 200 });
    const summary = await manager.import({ files: [exported.file] });
    expect(summary.entries).toBe(200);
    expect(phases.filter((p) => p.startsWith('import reading'))).not.toHaveLength(0);
    expect(phases.filter((p) => p.startsWith('import reading') && !p.endsWith('lean'))).toEqual([]);
    expect(heap.runs()).toBe(1);
    expect(heap.inside()).toBe(false);

    const plan = await manager.plan({ id: summary.id });
    expect(plan.tables.reduce((sum, t) => sum + t.toInsert, 0)).toBe(200);
    expect(heap.runs()).toBe(2);
    expect(heap.inside()).toBe(false);

    await expect(manager.import({ files: [path.join(dir, 'missing.jsonl')] })).rejects.toThrow();
    expect(heap.runs()).toBe(3);
    expect(heap.inside()).toBe(false);
  });

  it('reports an import as bytes read and, beside them, the entries read so far', async () => {
    const events: SledProgress[] = [];
    const manager = new SledManager({
      dir: path.join(dir, 'progress'),
      logger: silent,
      connections: { withClient: () => Promise.reject(new Error('no database in this test')) },
      onProgress: (p) => events.push(p),
    });
    const exported = generateExport(path.join(dir, 'progress.jsonl'), { entries: 300 });
    const summary = await manager.import({ files: [exported.file] });
    const reading = events.filter((e) => e.phase === 'reading');
    expect(reading.length).toBeGreaterThan(0);
    const size = fs.statSync(exported.file).size;
    for (const e of reading) expect(e).toMatchObject({ unit: 'bytes', total: size, message: null });
    const counts = reading.map((e) => e.entries);
    expect(counts.every((n) => typeof n === 'number')).toBe(true);
    expect(counts).toEqual([...counts].sort((a, b) => a! - b!));
    expect(counts.at(-1)).toBe(summary.entries);
    expect(events.at(-1)).toMatchObject({ phase: 'done', done: 300, unit: 'entries', message: '300 entries staged' });
  });
});
