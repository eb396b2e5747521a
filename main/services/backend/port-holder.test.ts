import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  findPortHolder,
  isPortFree,
  listeningInodes,
  parseLsof,
  parseNetstat,
  parseTasklist,
  probePort,
} from './port-holder';

const servers: net.Server[] = [];

function listen(host: string, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, host, () => {
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

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

describe('probePort / isPortFree', () => {
  it('reports a port held by a server on 0.0.0.0 as in use', async () => {
    const port = await listen('0.0.0.0');
    expect(await isPortFree(port)).toBe(false);
    expect((await probePort(port)).state).toBe('in_use');
  });

  it('reports a port held only on 127.0.0.1 as in use (the health probe would reach that process)', async () => {
    const port = await listen('127.0.0.1');
    expect(await isPortFree(port)).toBe(false);
  });

  it('reports a free port as free, and leaves it free', async () => {
    const port = await freePort();
    expect(await isPortFree(port)).toBe(true);
    expect(await probePort(port)).toEqual({ state: 'free' });
    // The probe closed its sockets: the port can be taken right after.
    expect(await listen('0.0.0.0', port)).toBe(port);
  });

  it('checks only the given host when one is given', async () => {
    const port = await listen('127.0.0.1');
    expect(await isPortFree(port, '127.0.0.1')).toBe(false);
  });
});

describe.runIf(process.platform === 'linux')('findPortHolder on Linux', () => {
  it('names this test process as the holder of its own listening socket', async () => {
    const port = await listen('0.0.0.0');
    const holder = await findPortHolder(port);
    expect(holder?.pid).toBe(process.pid);
    const cmdline = fs.readFileSync(`/proc/${process.pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    expect(holder?.command).toBe(cmdline);
  });

  it('finds an IPv6 listener through /proc/net/tcp6', async () => {
    let port: number;
    try {
      port = await listen('::1');
    } catch {
      return; // no IPv6 on this machine
    }
    expect((await findPortHolder(port))?.pid).toBe(process.pid);
  });

  it('returns null for a port nobody listens on', async () => {
    expect(await findPortHolder(await freePort())).toBeNull();
  });
});

describe('findPortHolder when the OS does not tell', () => {
  let procRoot: string;

  beforeAll(() => {
    // A listening socket (inode 4242 on port 8080) that no visible process holds: what a
    // non-root user sees for another user's server.
    procRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-proc-'));
    fs.mkdirSync(path.join(procRoot, 'net'));
    fs.writeFileSync(
      path.join(procRoot, 'net', 'tcp'),
      [
        '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
        '   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 4242 1 0000000000000000 100 0 0 10 0',
      ].join('\n'),
    );
    fs.mkdirSync(path.join(procRoot, '1')); // a process whose fd folder we may not read
  });

  afterAll(() => fs.rmSync(procRoot, { recursive: true, force: true }));

  it('returns null on Linux when the socket is visible but its process is not', async () => {
    expect(await findPortHolder(8080, { platform: 'linux', procRoot })).toBeNull();
  });

  it('returns null when the tool fails (lsof exits 1 when it may show nothing)', async () => {
    const run = () => Promise.reject(new Error('exit 1'));
    expect(await findPortHolder(8080, { platform: 'darwin', run })).toBeNull();
    expect(await findPortHolder(8080, { platform: 'win32', run })).toBeNull();
  });
});

describe('parsers', () => {
  it('reads LISTEN sockets from /proc/net/tcp and tcp6', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111 1 0',
      '   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 222 1 0',
      '   2: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1 0',
    ].join('\n');
    expect(listeningInodes(tcp, 8080)).toEqual(['111']);
    const tcp6 = [
      '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 444 1 0',
    ].join('\n');
    expect(listeningInodes(tcp6, 8080)).toEqual(['444']);
  });

  it('reads lsof field output', () => {
    expect(parseLsof('p1234\ncnode\nf23\n')).toEqual({ pid: 1234, command: 'node' });
    expect(parseLsof('p1234\ncnode\nf23\np99\ncother\n')).toEqual({ pid: 1234, command: 'node' });
    expect(parseLsof('')).toBeNull();
  });

  it('takes lsof then the full command line from ps on macOS', async () => {
    const calls: string[][] = [];
    const run = (file: string, args: string[]) => {
      calls.push([file, ...args]);
      return Promise.resolve(file === 'lsof' ? 'p501\ncserver\nf7\n' : '/Users/me/app/bin/server --port 8080\n');
    };
    expect(await findPortHolder(8080, { platform: 'darwin', run })).toEqual({
      pid: 501,
      command: '/Users/me/app/bin/server --port 8080',
    });
    expect(calls[0]).toEqual(['lsof', '-nP', '-iTCP:8080', '-sTCP:LISTEN', '-Fpc']);
  });

  it('reads netstat -ano whatever the language of the state column', () => {
    const output = [
      '',
      'Active Connections',
      '',
      '  Proto  Local Address          Foreign Address        State           PID',
      '  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1000',
      '  TCP    127.0.0.1:8080         127.0.0.1:52000        ESTABLISHED     7777',
      '  TCP    [::]:8080              [::]:0                 ABHÖREN         4321',
      '  UDP    0.0.0.0:8080           *:*                                    5555',
    ].join('\r\n');
    expect(parseNetstat(output, 8080)).toBe(4321);
    expect(parseNetstat(output, 135)).toBe(1000);
    expect(parseNetstat(output, 9999)).toBeNull();
  });

  it('reads the image name from tasklist CSV and combines it with netstat on Windows', async () => {
    expect(parseTasklist('"node.exe","4321","Console","1","45,000 K"\r\n')).toBe('node.exe');
    expect(parseTasklist('INFO: No tasks are running which match the specified criteria.\r\n')).toBe('');
    const run = (file: string) =>
      Promise.resolve(
        file === 'netstat'
          ? '  TCP    0.0.0.0:8080           0.0.0.0:0              LISTENING       4321\r\n'
          : '"server.exe","4321","Console","1","12,000 K"\r\n',
      );
    expect(await findPortHolder(8080, { platform: 'win32', run })).toEqual({ pid: 4321, command: 'server.exe' });
  });
});
