/**
 * The Browse… buttons and dropped files of the desktop app, end to end in
 * Chromium. The renderer runs as it does in Electron: over a window.opsConsole
 * bridge (the preload's shape: invoke by call name, subscribe to events, the
 * path of a dropped file). Here the bridge is a stand-in installed before the
 * page loads; it forwards every call to a real `ops-console serve` and plays
 * main's part for app.info (filePicker) and the two dialog calls, which the
 * Electron binary would answer and which the shell's own test
 * (main/electron/desktop.test.ts) covers against Electron's dialog API, and
 * the preload's for a dropped file's path (webUtils, preload/index.test.ts).
 * A plain browser gets no Browse button, and a drop there says to type the path.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBalance, encodePreference, JsonlExportWriter } from '../../main/services/sled/test-export';
import { openBrowser, screenshot, type BrowserSession } from '../helpers/browser';
import { createCaptureFixture, type CaptureFixture } from '../helpers/snapshot-capture';
import { startServe, type ServeProcess } from '../helpers/serve';

interface DialogCall {
  name: 'files.chooseOpen' | 'files.chooseSave';
  input: Record<string, unknown>;
}

/** Runs in the page before its scripts: the desktop bridge, over serve's HTTP API. */
function installDesktopBridge(): void {
  const w = window as unknown as {
    opsConsole: unknown;
    dialogCalls: DialogCall[];
    dialogAnswers: unknown[];
    filePaths: Record<string, string>;
  };
  w.dialogCalls = [];
  w.dialogAnswers = [];
  // Where the files the test drops are, by name (webUtils' answer; '' for a file not on disk).
  w.filePaths = {};
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let source: EventSource | null = null;
  w.opsConsole = Object.freeze({
    async invoke(name: string, input: unknown) {
      if (name === 'files.chooseOpen' || name === 'files.chooseSave') {
        w.dialogCalls.push({ name, input: input as Record<string, unknown> });
        const cancelled = name === 'files.chooseOpen' ? { paths: [] } : { path: null };
        return { ok: true, value: w.dialogAnswers.shift() ?? cancelled };
      }
      const response = await fetch(`/api/rpc/${encodeURIComponent(name)}`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(input ?? {}),
      });
      const result = (await response.json()) as { ok: boolean; value?: Record<string, unknown> };
      if (name === 'app.info' && result.ok) return { ok: true, value: { ...result.value, filePicker: true } };
      return result;
    },
    on(event: string, listener: (payload: unknown) => void) {
      if (!source) source = new EventSource('/api/events');
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
        source.addEventListener(event, (message) => {
          for (const l of listeners.get(event) ?? []) l(JSON.parse((message as MessageEvent<string>).data));
        });
      }
      set.add(listener);
      return () => set.delete(listener);
    },
    pathForFile(file: File) {
      return w.filePaths[file.name] ?? '';
    },
  });
}

/** A drag of files with these names (made in the page, as a drag from the desktop would bring them). */
const dragOf = (page: Page, names: string[]) =>
  page.evaluateHandle((list) => {
    const transfer = new DataTransfer();
    for (const name of list) transfer.items.add(new File(['{}'], name, { type: 'application/json' }));
    return transfer;
  }, names);

const dialogCalls = (page: Page) =>
  page.evaluate(() => (window as unknown as { dialogCalls: DialogCall[] }).dialogCalls);
const answerNext = (page: Page, answer: unknown) =>
  page.evaluate((a) => (window as unknown as { dialogAnswers: unknown[] }).dialogAnswers.push(a), answer);

describe('the desktop app’s file dialogs (Browse…)', () => {
  let serve: ServeProcess;
  let desktop: BrowserSession;
  let dir: string;
  let snapshotFixture: CaptureFixture;
  let snapshotFile: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-dialogs-'));
    snapshotFixture = await createCaptureFixture('e2e_dialogs');
    await snapshotFixture.query(
      'CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, $$a$$)',
    );
    snapshotFile = (await snapshotFixture.capture()).file;
    serve = await startServe();
    desktop = await openBrowser();
    await desktop.page.addInitScript(installDesktopBridge);
    await desktop.page.goto(serve.url);
    await desktop.page.getByTestId('profile-list').waitFor({ timeout: 30_000 });
  });

  afterAll(async () => {
    await desktop?.close();
    await serve?.stop();
    await snapshotFixture?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stages the Sled export files picked in the dialog', async () => {
    const { page } = desktop;
    const file = path.join(dir, 'fodi ledger.jsonl');
    const w = new JsonlExportWriter(file);
    w.header({ source: 'fodi_ledger', exportedAt: '2026-11-20T12:00:00Z' });
    w.entry(Buffer.from('balance:alice_123'), encodeBalance({ total: 5n, locked: 0n, available: 5n }));
    w.header({ source: 'local_agents', exportedAt: '2026-11-20T12:00:00Z' });
    w.entry(Buffer.from('pref:alice_123:language'), encodePreference('fr'));
    w.close();

    await page.getByRole('link', { name: 'Sled import' }).click();
    const input = page.getByLabel('Export files');
    await input.fill('/typed/first.jsonl\n');
    // Cancelled: nothing changes.
    await page.getByTestId('sled-files-browse').click();
    await expect.poll(async () => (await dialogCalls(page)).length).toBe(1);
    expect(await input.inputValue()).toBe('/typed/first.jsonl\n');
    expect((await dialogCalls(page))[0]).toEqual({
      name: 'files.chooseOpen',
      input: {
        title: 'Choose Sled export files',
        choose: 'files',
        filters: [
          { name: 'Sled exports', extensions: ['jsonl', 'ndjson', 'json'] },
          { name: 'All files', extensions: ['*'] },
        ],
        // The dialog starts where the last typed path is.
        defaultPath: '/typed',
      },
    });

    // Picked: added under what was typed; the typed path is then removed by hand, as a user would.
    await answerNext(page, { paths: [file] });
    await page.getByTestId('sled-files-browse').click();
    await expect.poll(() => input.inputValue()).toBe(`/typed/first.jsonl\n${file}`);
    await input.fill(await input.inputValue().then((v) => v.split('\n').slice(1).join('\n')));
    await screenshot(page, 'dialogs-sled-files');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('sled-summary-step').waitFor({ timeout: 30_000 });
    const row = page.getByTestId('sled-import-row').first();
    expect(await row.textContent()).toContain('2 entries');
  });

  it('adds the paths of export files dropped on the form, and stages them', async () => {
    const { page } = desktop;
    const file = path.join(dir, 'dropped.jsonl');
    const w = new JsonlExportWriter(file);
    w.header({ source: 'local_agents', exportedAt: '2026-11-20T12:00:00Z' });
    w.entry(Buffer.from('pref:bob:theme'), encodePreference('dark'));
    w.close();
    await page.evaluate((where) => {
      (window as unknown as { filePaths: Record<string, string> }).filePaths['dropped.jsonl'] = where;
    }, file);

    await page.getByRole('link', { name: 'Sled import' }).click();
    await page.getByTestId('sled-new-import').click();
    const input = page.getByLabel('Export files');
    await input.fill('');
    const form = page.getByTestId('sled-files-form');
    const drag = await dragOf(page, ['dropped.jsonl', 'pasted.jsonl']);
    await form.dispatchEvent('dragover', { dataTransfer: drag });
    await expect.poll(() => form.getAttribute('class')).toContain('sled-files--dragging');
    await screenshot(page, 'dialogs-sled-drag');
    await form.dispatchEvent('drop', { dataTransfer: drag });
    await expect.poll(() => input.inputValue()).toBe(file);
    expect(await form.getAttribute('class')).not.toContain('sled-files--dragging');
    // The other file has no path on disk: said so, and nothing added for it.
    expect(await page.getByTestId('sled-files-drop-note').textContent()).toBe(
      'pasted.jsonl: not a file on this machine, so there is no path to read it from.',
    );
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('sled-summary-step').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('sled-import-row').first().textContent()).toContain('1 entry');
    expect(desktop.pageErrors).toEqual([]);
  });

  it('imports a snapshot picked in the dialog and exports it where the save dialog says', async () => {
    const { page } = desktop;
    await page.getByRole('link', { name: 'Snapshots' }).click();
    await page.getByTestId('snapshot-import').click();
    await answerNext(page, { paths: [snapshotFile] });
    await page.getByTestId('import-browse').click();
    await expect.poll(() => page.getByTestId('import-path').inputValue()).toBe(snapshotFile);
    const calls = await dialogCalls(page);
    expect(calls.at(-1)).toEqual({
      name: 'files.chooseOpen',
      input: {
        title: 'Choose a snapshot file',
        choose: 'file',
        filters: [
          { name: 'Snapshots', extensions: ['snapshot'] },
          { name: 'All files', extensions: ['*'] },
        ],
      },
    });
    await page.getByTestId('import-confirm').click();
    await expect.poll(() => page.getByTestId('import-result').textContent()).toMatch(/^Imported /);

    const exported = path.join(dir, 'chosen.snapshot');
    const row = page.locator('[data-testid="snapshot-row"][data-imported="true"]');
    await row.getByTestId('snapshot-details').click();
    await page.getByTestId('snapshot-export').click();
    await answerNext(page, { path: exported });
    await page.getByTestId('export-choose').click();
    await expect.poll(() => page.getByTestId('export-path').inputValue()).toBe(exported);
    const save = (await dialogCalls(page)).at(-1)!;
    expect(save.name).toBe('files.chooseSave');
    expect(save.input).toMatchObject({ title: 'Export the snapshot to', filters: [{ extensions: ['snapshot'] }] });
    expect(String(save.input.defaultPath)).toMatch(/\.snapshot$/);
    await screenshot(page, 'dialogs-snapshot-export');
    await page.getByTestId('export-confirm').click();
    await expect.poll(() => page.getByTestId('export-result').textContent()).toContain(exported);
    expect(fs.statSync(exported).size).toBeGreaterThan(0);
  });

  it('fills the CA file of a profile and the binary and folder of a backend', async () => {
    const { page } = desktop;
    await page.getByRole('link', { name: 'Connections' }).click();
    await page.getByTestId('profile-new').click();
    await page.getByTestId('profile-ssl-select').selectOption('verify-full');
    await answerNext(page, { paths: ['/etc/ssl/neon/root.crt'] });
    await page.getByTestId('profile-ca-browse').click();
    await expect.poll(() => page.getByTestId('profile-ca-input').inputValue()).toBe('/etc/ssl/neon/root.crt');
    expect((await dialogCalls(page)).at(-1)?.input).toMatchObject({
      title: 'Choose the CA certificate',
      choose: 'file',
    });
    await screenshot(page, 'dialogs-profile-ca');

    await page.getByRole('link', { name: 'Backend' }).click();
    await page.getByTestId('backend-new').click();
    await page.getByTestId('backend-form').waitFor();
    await answerNext(page, { paths: ['/opt/stack/bin/server'] });
    await page.getByTestId('backend-binaryPath-browse').click();
    await expect.poll(() => page.getByTestId('backend-binaryPath-input').inputValue()).toBe('/opt/stack/bin/server');
    await answerNext(page, { paths: ['/opt/stack'] });
    await page.getByTestId('backend-cwd-browse').click();
    await expect.poll(() => page.getByTestId('backend-cwd-input').inputValue()).toBe('/opt/stack');
    expect((await dialogCalls(page)).at(-1)?.input).toEqual({
      title: 'Choose the working directory',
      choose: 'folder',
    });
    await screenshot(page, 'dialogs-backend-form');
    expect(desktop.pageErrors).toEqual([]);
  });

  it('shows no Browse button in a plain browser, where paths are typed', async () => {
    const plain = await openBrowser();
    try {
      await plain.page.goto(serve.url);
      await plain.page.getByRole('link', { name: 'Sled import' }).click();
      await plain.page.getByLabel('Export files').waitFor();
      expect(await plain.page.getByRole('button', { name: 'Import', exact: true }).count()).toBe(1);
      expect(await plain.page.getByTestId('sled-files-browse').count()).toBe(0);
      expect(await plain.page.getByText('Browse…').count()).toBe(0);

      // A drop on the form: a browser gives no path, so the note says to type it; nothing is added.
      const drag = await dragOf(plain.page, ['fodi_ledger.jsonl']);
      await plain.page.getByTestId('sled-files-form').dispatchEvent('drop', { dataTransfer: drag });
      expect(await plain.page.getByTestId('sled-files-drop-note').textContent()).toMatch(
        /^fodi_ledger\.jsonl: a browser does not tell ops-console where a dropped file is\. Type its path/,
      );
      expect(await plain.page.getByLabel('Export files').inputValue()).toBe('');
      // A drop anywhere else is refused rather than left to the browser, which would open the file in
      // place of the app.
      const refused = await plain.page.evaluate((transfer) => {
        const over = new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true });
        const drop = new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true });
        document.body.dispatchEvent(over);
        document.body.dispatchEvent(drop);
        return { over: over.defaultPrevented, drop: drop.defaultPrevented, effect: transfer.dropEffect };
      }, drag);
      expect(refused).toEqual({ over: true, drop: true, effect: 'none' });
      expect(plain.pageErrors).toEqual([]);
    } finally {
      await plain.close();
    }
  });
});
