import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, runSql, STACK_SCHEMAS_SQL, type TestDatabase } from '../../test/helpers/postgres';
import { rawRequest } from '../../test/helpers/http';
import { CLI_BIN, cli } from '../../test/helpers/cli';

const bin = CLI_BIN;
const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('ops-console CLI (real child processes)', () => {
  let db: TestDatabase;
  let dataDir: string;

  beforeAll(async () => {
    db = await createTestDatabase('cli');
    await runSql(db.url, STACK_SCHEMAS_SQL);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-cli-'));
  });
  afterAll(async () => {
    await db?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints help with the commands and global options, exit 0', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    for (const word of ['serve', '--data-dir', '--url', '--json', 'db']) expect(run.stdout).toContain(word);
  });

  it('prints the package version', async () => {
    const run = await cli(['--version']);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout.trim()).toBe(pkg.version);
  });

  it('exits 2 on usage errors with one clear line and a pointer to --help', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/error: unknown command 'frobnicate'/);
    expect(unknown.stderr).toContain('--help');
    const badPort = await cli(['serve', '--port', 'seventy']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/port/);
    const noUrl = await cli(['--data-dir', dataDir, 'db', 'schemas']);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/^error: No database URL given\nhint: .*DATABASE_URL/m);
  });

  it('lists schemas as JSON on stdout with --url', async () => {
    const run = await cli(['--data-dir', dataDir, '--json', '--url', db.url, 'db', 'schemas']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const listing = JSON.parse(run.stdout) as { schemas: Array<{ name: string }>; target: string };
    expect(listing.schemas.map((s) => s.name)).toEqual(['ai', 'analytics', 'blockchain', 'public']);
    expect(run.stdout).not.toContain(new URL(db.url).password);
  });

  it('takes the URL from DATABASE_URL and prints a table for humans', async () => {
    const run = await cli(['--data-dir', dataDir, 'db', 'schemas'], { DATABASE_URL: db.url });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/schema\s+owner\s+relations\s+comment/);
    expect(run.stdout).toMatch(/analytics\s+postgres\s+2\s+metrics and events/);
  });

  it('exits 1 with the error and a hint when the operation fails, never printing the password', async () => {
    const u = new URL(db.url);
    u.password = 'wrong-password-xyz';
    const run = await cli(['--data-dir', dataDir, '--url', u.toString(), 'db', 'schemas']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: Password authentication failed/m);
    expect(run.stderr).toMatch(/^hint: /m);
    expect(run.stderr).not.toContain('wrong-password-xyz');
    const log = fs.readFileSync(path.join(dataDir, 'logs', 'ops-console.log'), 'utf8');
    expect(log).toContain('listing schemas');
    expect(log).not.toContain('wrong-password-xyz');
    expect(log).not.toContain(new URL(db.url).password);
  });

  it('uses --data-dir or OPS_CONSOLE_DATA_DIR for its data folder', async () => {
    const viaFlag = JSON.parse((await cli(['--data-dir', dataDir, '--json', 'info'])).stdout) as { dataDir: string };
    expect(viaFlag.dataDir).toBe(dataDir);
    expect(fs.existsSync(path.join(dataDir, 'ops-console.db'))).toBe(true);
    const other = path.join(dataDir, 'via-env');
    const viaEnv = JSON.parse((await cli(['--json', 'info'], { OPS_CONSOLE_DATA_DIR: other })).stdout) as {
      dataDir: string;
      transport: string;
    };
    expect(viaEnv).toMatchObject({ dataDir: other, transport: 'cli' });
  });

  it('writes its log file when run from a folder with no package.json above it', async () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-cwd-'));
    const logDataDir = path.join(elsewhere, 'data');
    try {
      const run = await cli(['--data-dir', logDataDir, '--json', 'info'], {}, 120_000, elsewhere);
      expect(run.code).toBe(0);
      const { logFile } = JSON.parse(run.stdout) as { logFile: string };
      expect(logFile).toBe(path.join(logDataDir, 'logs', 'ops-console.log'));
      expect(fs.readFileSync(logFile, 'utf8')).toMatch(/\[info\]\s+\(app\) ops-console \S+ started \(cli\)/);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('warns on stderr when its log file cannot be written, and still does the work', async () => {
    const blockedDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-nolog-'));
    try {
      // The logs folder's place is taken by a file.
      fs.writeFileSync(path.join(blockedDataDir, 'logs'), 'not a folder');
      const run = await cli(['--data-dir', blockedDataDir, '--json', 'info']);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ dataDir: blockedDataDir });
      expect(run.stderr).toMatch(
        new RegExp(
          `^warning: the log file ${path.join(blockedDataDir, 'logs', 'ops-console.log')} cannot be written \\((EEXIST|ENOTDIR)`,
          'm',
        ),
      );
    } finally {
      fs.rmSync(blockedDataDir, { recursive: true, force: true });
    }
  });

  it('serves on 127.0.0.1 with a token URL and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [bin, '--data-dir', dataDir, '--json', 'serve'], {
      env: { ...process.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const first = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
      });
      child.once('exit', (code) => reject(new Error(`serve exited early (${code}): ${stderr}`)));
    });
    const info = JSON.parse(first) as { url: string; port: number; token: string };
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{40,}$/);
    expect((await rawRequest(info.port, { path: '/' })).status).toBe(401);
    const login = await rawRequest(info.port, { path: `/?token=${info.token}` });
    expect(login.status).toBe(303);
    const page = await rawRequest(info.port, { path: '/', headers: { authorization: `Bearer ${info.token}` } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="root">');
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    const log = fs.readFileSync(path.join(dataDir, 'logs', 'ops-console.log'), 'utf8');
    expect(log).not.toContain(info.token);
  });
});
