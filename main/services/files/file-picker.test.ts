import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../app';
import { createApp } from '../../app';
import type { FilePicker, OpenRequest, SaveRequest } from './file-picker';

/** A picker that answers as a user would, and records what it was asked. */
class ScriptedPicker implements FilePicker {
  readonly asked: Array<OpenRequest | SaveRequest> = [];
  chooseOpen(request: OpenRequest): Promise<string[]> {
    this.asked.push(request);
    return Promise.resolve(['/srv/exports/fodi_ledger.jsonl']);
  }
  chooseSave(request: SaveRequest): Promise<string | null> {
    this.asked.push(request);
    return Promise.resolve(null);
  }
}

describe('the file dialogs calls', () => {
  let dir: string;
  let app: App;
  const picker = new ScriptedPicker();

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-picker-'));
    app = createApp({ dataDir: dir, version: '1.0.0', transport: 'ipc', filePicker: picker });
  });

  afterAll(async () => {
    await app.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reach the picker over IPC (the desktop window) and say so in app.info', async () => {
    const info = await app.router.call('app.info', {}, { transport: 'ipc' });
    expect(info).toMatchObject({ ok: true, value: { filePicker: true } });
    const opened = await app.router.call(
      'files.chooseOpen',
      { title: 'Choose Sled export files', choose: 'files', defaultPath: '/srv/exports' },
      { transport: 'ipc' },
    );
    expect(opened).toEqual({ ok: true, value: { paths: ['/srv/exports/fodi_ledger.jsonl'] } });
    const saved = await app.router.call('files.chooseSave', { title: 'Export the snapshot' }, { transport: 'ipc' });
    expect(saved).toEqual({ ok: true, value: { path: null } });
    expect(picker.asked).toEqual([
      { title: 'Choose Sled export files', choose: 'files', defaultPath: '/srv/exports' },
      { title: 'Export the snapshot' },
    ]);
  });

  it('never open a dialog for another transport, even in a process that has one', async () => {
    const before = picker.asked.length;
    for (const transport of ['http', 'cli'] as const) {
      const info = await app.router.call('app.info', {}, { transport });
      expect(info).toMatchObject({ ok: true, value: { filePicker: false } });
      const opened = await app.router.call('files.chooseOpen', { title: 'x', choose: 'file' }, { transport });
      expect(opened).toMatchObject({ ok: false, error: { kind: 'unavailable' } });
    }
    expect(picker.asked).toHaveLength(before);
  });

  it('refuse filters that are not plain extensions', async () => {
    const result = await app.router.call(
      'files.chooseOpen',
      { title: 'x', choose: 'file', filters: [{ name: 'JSON', extensions: ['.json'] }] },
      { transport: 'ipc' },
    );
    expect(result).toMatchObject({ ok: false, error: { kind: 'invalid_input' } });
    expect(JSON.stringify(result)).toContain('Expected an extension without a dot');
  });
});
