import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PreflightIssue } from '../../../common/backend';
import { OpsError } from '../../../common/errors';
import { goArch, goOs } from './executable-format';
import { preflightError, runPreflight, type PreflightInput } from './preflight';

const posix = process.platform !== 'win32';
let dir: string;
let script: string;
const servers: net.Server[] = [];

function listen(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      servers.push(server);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

async function freePort(): Promise<number> {
  const port = await listen('127.0.0.1');
  await new Promise<void>((resolve) => servers.pop()?.close(() => resolve()));
  return port;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-'));
  // A runnable stand-in for the backend: a shell script is an executable for any POSIX machine.
  script = path.join(dir, 'server');
  fs.writeFileSync(script, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function input(overrides: Partial<PreflightInput> = {}): Promise<PreflightInput> {
  return {
    binaryPath: script,
    cwd: dir,
    port: await freePort(),
    databaseProfileId: 'prod',
    profileExists: (id) => id === 'prod',
    databaseUrlFromEnv: false,
    ...overrides,
  };
}

function only(issues: PreflightIssue[], check: PreflightIssue['check']): PreflightIssue {
  expect(issues.map((i) => i.check)).toEqual([check]);
  return issues[0]!;
}

describe.runIf(posix)('runPreflight', () => {
  it('passes a runnable binary, an existing folder, a free port and an existing profile', async () => {
    expect(await runPreflight(await input())).toEqual({ ok: true, issues: [] });
    expect(await runPreflight(await input({ cwd: '' }))).toEqual({ ok: true, issues: [] });
  });

  it('reports a missing binary with how to build it', async () => {
    const missing = path.join(dir, 'bin', 'server');
    const report = await runPreflight(await input({ binaryPath: missing }));
    expect(report.ok).toBe(false);
    const found = only(report.issues, 'binary_missing');
    expect(found.message).toBe(`${missing} does not exist`);
    expect(found.hint).toContain(`go build -o ${missing} ./cmd/server`);
  });

  it('reports a bare name that is not on PATH, and accepts one that is', async () => {
    const absent = await runPreflight(await input({ binaryPath: 'no-such-backend' }), { pathEnv: dir });
    expect(only(absent.issues, 'binary_missing').message).toBe('no-such-backend was not found on PATH');
    expect((await runPreflight(await input({ binaryPath: 'server' }), { pathEnv: dir })).ok).toBe(true);
  });

  it('reports a folder given instead of the binary', async () => {
    const folder = path.join(dir, 'cmd');
    fs.mkdirSync(folder, { recursive: true });
    const found = only((await runPreflight(await input({ binaryPath: folder }))).issues, 'binary_missing');
    expect(found.message).toBe(`${folder} is a folder, not the backend binary`);
    expect(found.hint).not.toBe('');
  });

  it('reports a file without execute permission with the chmod to fix it', async () => {
    const file = path.join(dir, 'server-644');
    fs.writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    const found = only((await runPreflight(await input({ binaryPath: file }))).issues, 'not_executable');
    expect(found.message).toBe(`${file} is not executable (mode 644)`);
    expect(found.hint).toBe(`chmod +x ${file}`);
  });

  it('reports a binary for another architecture with the GOOS/GOARCH build command', async () => {
    const other = process.arch === 'arm64' ? { machine: 62, arch: 'x64' } : { machine: 183, arch: 'arm64' };
    const header = Buffer.alloc(64);
    header.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
    header.writeUInt16LE(2, 16);
    header.writeUInt16LE(other.machine, 18);
    const file = path.join(dir, 'server-foreign');
    fs.writeFileSync(file, header, { mode: 0o755 });
    const found = only(
      (await runPreflight(await input({ binaryPath: file }), { platform: 'linux' })).issues,
      'wrong_architecture',
    );
    expect(found.message).toBe(`${file} is an ELF executable for ${other.arch}; this machine is linux ${process.arch}`);
    expect(found.hint).toContain(`GOOS=${goOs('linux')} GOARCH=${goArch(process.arch)} go build -o ${file}`);
  });

  it('reports a file that is no executable at all', async () => {
    const file = path.join(dir, 'server.txt');
    fs.writeFileSync(file, 'not a program', { mode: 0o755 });
    const found = only((await runPreflight(await input({ binaryPath: file }))).issues, 'wrong_architecture');
    expect(found.message).toContain('is not a recognised executable (ELF, Mach-O, PE or #! script)');
  });

  it('reports a missing working folder', async () => {
    const cwd = path.join(dir, 'no-such-folder');
    const found = only((await runPreflight(await input({ cwd }))).issues, 'cwd_missing');
    expect(found.message).toBe(`the working folder ${cwd} does not exist`);
    expect(found.hint).toContain("leave the working folder empty to run in the binary's folder");
  });

  it('reports a port in use and names the process holding it', async () => {
    const port = await listen('0.0.0.0');
    const found = only((await runPreflight(await input({ port }))).issues, 'port_in_use');
    if (process.platform === 'linux') {
      expect(found.message).toMatch(new RegExp(`^port ${port} is in use by pid ${process.pid} \\(.+\\)$`));
      expect(found.hint).toBe(`Stop that process (pid ${process.pid}), or choose another port`);
    } else {
      expect(found.message).toMatch(new RegExp(`^port ${port} is in use`));
    }
  });

  it('says so when the OS does not tell who holds the port', async () => {
    const port = await listen('0.0.0.0');
    const report = await runPreflight(await input({ port }), { findPortHolder: () => Promise.resolve(null) });
    expect(only(report.issues, 'port_in_use').message).toBe(`port ${port} is in use (the OS does not say by whom)`);
  });

  it('tells a privileged port apart from a port in use', async () => {
    // Only a fake can refuse here: the tests may run as root, which may listen anywhere.
    const refused = { probePort: () => Promise.resolve({ state: 'forbidden' as const, address: '0.0.0.0' }) };
    const low = only(
      (await runPreflight(await input({ port: 80 }), { ...refused, platform: 'linux' })).issues,
      'port_in_use',
    );
    expect(low.message).toBe('port 80 is privileged (below 1024) and this user may not listen on it');
    expect(low.hint).toContain('cap_net_bind_service');
    const high = only((await runPreflight(await input({ port: 50_000 }), refused)).issues, 'port_in_use');
    expect(high.message).toContain('EACCES');
  });

  it('asks for a connection profile when none is chosen and the env has no DATABASE_URL', async () => {
    const found = only((await runPreflight(await input({ databaseProfileId: null }))).issues, 'database_url');
    expect(found.hint).toBe('Choose a connection profile for DATABASE_URL (the backend exits at once without it)');
    expect((await runPreflight(await input({ databaseProfileId: null, databaseUrlFromEnv: true }))).ok).toBe(true);
  });

  it('names a chosen profile that no longer exists (also when the check is async)', async () => {
    const report = await runPreflight(
      await input({ databaseProfileId: 'staging-old', profileExists: () => Promise.resolve(false) }),
    );
    const found = only(report.issues, 'database_url');
    expect(found.message).toBe('the connection profile "staging-old" chosen for DATABASE_URL no longer exists');
    expect(found.hint).not.toBe('');
  });

  it('collects every issue, in order, rather than stopping at the first', async () => {
    const port = await listen('0.0.0.0');
    const report = await runPreflight({
      binaryPath: path.join(dir, 'missing-server'),
      cwd: path.join(dir, 'missing-folder'),
      port,
      databaseProfileId: null,
      profileExists: () => true,
      databaseUrlFromEnv: false,
    });
    expect(report.ok).toBe(false);
    expect(report.issues.map((i) => i.check)).toEqual(['binary_missing', 'cwd_missing', 'port_in_use', 'database_url']);
    for (const found of report.issues) expect(found.hint).not.toBe('');

    const error = preflightError(report);
    expect(error).toBeInstanceOf(OpsError);
    expect(error.kind).toBe('invalid_input');
    for (const found of report.issues) {
      expect(error.message).toContain(found.message);
      expect(error.hint).toContain(found.hint);
    }
  });

  it('gives both not_executable and wrong_architecture for a 644 file that is not a program', async () => {
    const file = path.join(dir, 'notes');
    fs.writeFileSync(file, 'hello', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    const report = await runPreflight(await input({ binaryPath: file }));
    expect(report.issues.map((i) => i.check)).toEqual(['not_executable', 'wrong_architecture']);
  });
});

describe('runPreflight on Windows rules', () => {
  it('wants a Windows program extension', async () => {
    const report = await runPreflight(await input({ binaryPath: script }), { platform: 'win32' });
    const found = report.issues.find((i) => i.check === 'not_executable');
    expect(found?.message).toBe(`${script} is not a Windows program (.exe, .cmd or .bat)`);
    expect(found?.hint).toContain('.exe');
  });
});

describe('preflightError', () => {
  const portIssue: PreflightIssue = {
    check: 'port_in_use',
    message: 'port 8080 is in use by pid 1234 (node server.js)',
    hint: 'Stop that process (pid 1234), or choose another port',
  };
  const dbIssue: PreflightIssue = {
    check: 'database_url',
    message: 'DATABASE_URL is not set',
    hint: 'Choose a connection profile for DATABASE_URL (the backend exits at once without it)',
  };

  it('uses conflict when a port in use comes first', () => {
    const error = preflightError({ ok: false, issues: [portIssue, dbIssue] });
    expect(error.kind).toBe('conflict');
    expect(error.message).toBe(
      'The backend cannot start (2 problems):\n- port 8080 is in use by pid 1234 (node server.js)\n- DATABASE_URL is not set',
    );
    expect(error.detail).toContain('port_in_use: port 8080');
  });

  it('keeps a single issue on one line, with its hint', () => {
    const error = preflightError({ ok: false, issues: [dbIssue] });
    expect(error.kind).toBe('invalid_input');
    expect(error.message).toBe('The backend cannot start: DATABASE_URL is not set');
    expect(error.hint).toBe(dbIssue.hint);
  });

  it('refuses a report without issues', () => {
    expect(() => preflightError({ ok: true, issues: [] })).toThrow();
  });
});
