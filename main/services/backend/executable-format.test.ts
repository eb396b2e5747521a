import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goArch, goOs, inspectExecutable, matchesThisMachine } from './executable-format';

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exec-format-'));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: Buffer | string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

/** A 64-byte ELF header: class 64, the given byte order and e_machine, no program headers. */
function elf(machine: number, options: { big?: boolean; osabi?: number } = {}): Buffer {
  const b = Buffer.alloc(64);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, options.big ? 2 : 1, 1, options.osabi ?? 0]);
  if (options.big) {
    b.writeUInt16BE(2, 16);
    b.writeUInt16BE(machine, 18);
  } else {
    b.writeUInt16LE(2, 16);
    b.writeUInt16LE(machine, 18);
  }
  return b;
}

/** An x86-64 ELF with one PT_INTERP program header naming `loader`. */
function elfWithLoader(loader: string): Buffer {
  const header = elf(62);
  header.writeBigUInt64LE(64n, 32); // e_phoff
  header.writeUInt16LE(56, 54); // e_phentsize
  header.writeUInt16LE(1, 56); // e_phnum
  const ph = Buffer.alloc(56);
  const stringAt = 64 + 56;
  const text = Buffer.from(`${loader}\0`);
  ph.writeUInt32LE(3, 0); // PT_INTERP
  ph.writeBigUInt64LE(BigInt(stringAt), 8);
  ph.writeBigUInt64LE(BigInt(text.length), 32);
  return Buffer.concat([header, ph, text]);
}

function machO(cpu: number): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt32LE(0xfeedfacf, 0); // bytes cf fa ed fe, as written by little-endian machines
  b.writeUInt32LE(cpu, 4);
  return b;
}

function fat(cpus: number[]): Buffer {
  const b = Buffer.alloc(8 + cpus.length * 20);
  b.writeUInt32BE(0xcafebabe, 0);
  b.writeUInt32BE(cpus.length, 4);
  cpus.forEach((cpu, i) => b.writeUInt32BE(cpu, 8 + i * 20));
  return b;
}

function pe(machine: number): Buffer {
  const b = Buffer.alloc(0x100);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  b.writeUInt16LE(machine, 0x84);
  return b;
}

describe('inspectExecutable', () => {
  it('reads ELF class, byte order and machine', async () => {
    const arm = await inspectExecutable(write('elf-arm64', elf(183)));
    expect(arm).toMatchObject({ format: 'elf', arch: 'arm64', archs: ['arm64'], os: 'linux', endianness: 'little' });
    expect(arm.interpreter).toBeUndefined();

    expect(await inspectExecutable(write('elf-x64', elf(62)))).toMatchObject({ arch: 'x64', os: 'linux' });
    expect(await inspectExecutable(write('elf-riscv', elf(243)))).toMatchObject({ arch: 'riscv64' });
    expect(await inspectExecutable(write('elf-s390x', elf(22, { big: true })))).toMatchObject({
      arch: 's390x',
      endianness: 'big',
    });
    expect(await inspectExecutable(write('elf-freebsd', elf(62, { osabi: 9 })))).toMatchObject({
      format: 'elf',
      os: null,
    });
  });

  it('reads the dynamic loader of an ELF and whether it exists here', async () => {
    const missing = await inspectExecutable(write('elf-loader', elfWithLoader('/nonexistent/ld-musl-x86_64.so.1')));
    expect(missing).toMatchObject({ interpreter: '/nonexistent/ld-musl-x86_64.so.1', interpreterExists: false });
    const match = matchesThisMachine(missing, 'linux', 'x64');
    expect(match.ok).toBe(false);
    expect(match.reason).toContain('/nonexistent/ld-musl-x86_64.so.1');
    expect(match.hint).toContain('CGO_ENABLED=0');
  });

  it('reads Mach-O and universal binaries', async () => {
    expect(await inspectExecutable(write('macho-arm64', machO(0x0100000c)))).toMatchObject({
      format: 'mach-o',
      arch: 'arm64',
      os: 'darwin',
    });
    const big = Buffer.alloc(32);
    big.writeUInt32BE(0xfeedfacf, 0);
    big.writeUInt32BE(0x01000007, 4);
    expect(await inspectExecutable(write('macho-be', big))).toMatchObject({ format: 'mach-o', arch: 'x64' });
    expect(await inspectExecutable(write('fat', fat([0x01000007, 0x0100000c])))).toMatchObject({
      format: 'mach-o',
      archs: ['x64', 'arm64'],
      os: 'darwin',
    });
  });

  it('does not take a Java class file (also 0xcafebabe) for a universal binary', async () => {
    const javaClass = Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 65, 0, 0]);
    expect((await inspectExecutable(write('Main.class', javaClass))).format).toBe('unknown');
  });

  it('reads the PE machine field', async () => {
    expect(await inspectExecutable(write('x64.exe', pe(0x8664)))).toMatchObject({
      format: 'pe',
      arch: 'x64',
      os: 'win32',
    });
    expect(await inspectExecutable(write('arm64.exe', pe(0xaa64)))).toMatchObject({ arch: 'arm64' });
    expect(await inspectExecutable(write('ia32.exe', pe(0x14c)))).toMatchObject({ arch: 'ia32' });
    const dos = Buffer.alloc(0x40);
    dos.write('MZ', 0, 'latin1');
    expect((await inspectExecutable(write('dos.exe', dos))).format).toBe('unknown');
  });

  it('reads a #! line', async () => {
    expect(await inspectExecutable(write('run.sh', '#!/bin/sh\necho hi\n'))).toMatchObject({
      format: 'script',
      interpreter: '/bin/sh',
      interpreterExists: true,
      arch: null,
    });
    const env = await inspectExecutable(write('run.js', '#! /usr/bin/env node --no-warnings\r\n'));
    expect(env).toMatchObject({ interpreter: '/usr/bin/env', interpreterArgs: 'node --no-warnings' });
  });

  it('says unknown for anything else, including an empty file', async () => {
    expect((await inspectExecutable(write('notes.txt', 'hello world, not a program'))).format).toBe('unknown');
    expect((await inspectExecutable(write('empty', ''))).format).toBe('unknown');
  });

  it('recognises the node binary running this test as made for this machine', async () => {
    const info = await inspectExecutable(process.execPath);
    expect(info.archs).toContain(process.arch);
    expect(info.os).toBe(process.platform);
    expect(matchesThisMachine(info)).toEqual({ ok: true });
  });

  it('rejects a missing file with the file system error', async () => {
    await expect(inspectExecutable(path.join(dir, 'nope'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('matchesThisMachine', () => {
  it('explains an architecture mismatch and how to build for this machine', async () => {
    const info = { ...(await inspectExecutable(write('server', elf(183)))), path: 'bin/server' };
    const match = matchesThisMachine(info, 'linux', 'x64');
    expect(match.ok).toBe(false);
    expect(match.reason).toBe('bin/server is an ELF executable for arm64; this machine is linux x64');
    expect(match.hint).toBe('Build it for this machine: GOOS=linux GOARCH=amd64 go build -o bin/server ./cmd/server');
    expect(matchesThisMachine(info, 'linux', 'arm64')).toEqual({ ok: true });
  });

  it('explains a format from another OS', async () => {
    const macho = { ...(await inspectExecutable(write('mac', machO(0x0100000c)))), path: 'bin/server' };
    const onLinux = matchesThisMachine(macho, 'linux', 'arm64');
    expect(onLinux.reason).toBe('bin/server is a Mach-O executable (macOS) for arm64; this machine is linux arm64');
    expect(onLinux.hint).toContain('GOOS=linux GOARCH=arm64');

    const exe = await inspectExecutable(write('win.exe', pe(0x8664)));
    const onMac = matchesThisMachine(exe, 'darwin', 'arm64');
    expect(onMac.ok).toBe(false);
    expect(onMac.reason).toContain('a PE executable (Windows) for x64; this machine is darwin arm64');
    expect(onMac.hint).toContain('GOOS=darwin GOARCH=arm64');
    expect(matchesThisMachine(exe, 'win32', 'ia32').hint).toContain('GOOS=windows GOARCH=386');
  });

  it('accepts any architecture of a universal binary, and x64 under Rosetta with a note', async () => {
    const universal = await inspectExecutable(write('universal', fat([0x01000007, 0x0100000c])));
    expect(matchesThisMachine(universal, 'darwin', 'arm64')).toEqual({ ok: true });
    expect(matchesThisMachine(universal, 'darwin', 'x64')).toEqual({ ok: true });
    const intel = await inspectExecutable(write('intel', machO(0x01000007)));
    const rosetta = matchesThisMachine(intel, 'darwin', 'arm64');
    expect(rosetta.ok).toBe(true);
    expect(rosetta.note).toContain('Rosetta');
    const armOnly = await inspectExecutable(write('arm-only', fat([0x0100000c])));
    expect(matchesThisMachine(armOnly, 'darwin', 'x64').ok).toBe(false);
  });

  it('checks byte order where an architecture has both', async () => {
    const bigPpc = await inspectExecutable(write('ppc64-be', elf(21, { big: true })));
    const match = matchesThisMachine(bigPpc, 'linux', 'ppc64');
    expect(match.ok).toBe(false);
    expect(match.reason).toContain('big-endian');
    expect(match.hint).toContain('GOARCH=ppc64le');
    expect(matchesThisMachine(await inspectExecutable(write('ppc64-le', elf(21))), 'linux', 'ppc64').ok).toBe(true);
  });

  it('accepts scripts whose interpreter exists, refuses those whose does not, and #! on Windows', async () => {
    const good = await inspectExecutable(write('good.sh', '#!/bin/sh\n'));
    expect(matchesThisMachine(good, 'linux', 'x64')).toEqual({ ok: true });
    const bad = await inspectExecutable(write('bad.sh', '#!/opt/nowhere/bin/python9\n'));
    const match = matchesThisMachine(bad, 'linux', 'x64');
    expect(match.ok).toBe(false);
    expect(match.reason).toContain('/opt/nowhere/bin/python9, which does not exist');
    expect(matchesThisMachine(good, 'win32', 'x64').ok).toBe(false);
  });

  it('refuses unknown files in the words users need', async () => {
    const info = { ...(await inspectExecutable(write('readme', 'just text'))), path: 'bin/server' };
    const match = matchesThisMachine(info, 'linux', 'x64');
    expect(match).toMatchObject({
      ok: false,
      reason: 'bin/server is not a recognised executable (ELF, Mach-O, PE or #! script)',
    });
    expect(match.hint).toContain('GOOS=linux GOARCH=amd64 go build -o bin/server ./cmd/server');
  });

  it('maps node names to Go names', () => {
    expect([goArch('x64'), goArch('ia32'), goArch('arm64'), goArch('arm')]).toEqual(['amd64', '386', 'arm64', 'arm']);
    expect([goOs('win32'), goOs('darwin'), goOs('linux')]).toEqual(['windows', 'darwin', 'linux']);
  });
});
