import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * What kind of executable a file is, read from its first bytes, so a binary built for another
 * machine is reported in words before spawn fails with a bare ENOEXEC (or, for a missing
 * loader or #! interpreter, a misleading ENOENT).
 */

export type ExecutableFormat = 'elf' | 'mach-o' | 'pe' | 'script' | 'unknown';
export type ExecutableOs = 'linux' | 'darwin' | 'win32';

export interface ExecutableInfo {
  /** The path as given, for messages. */
  path: string;
  format: ExecutableFormat;
  /**
   * Node's `process.arch` names (x64, arm64, ia32, arm, riscv64, ppc64, s390x, …); null when the
   * format has none (scripts) or the machine type is not one node knows. For a universal
   * Mach-O, the first architecture inside; `archs` lists them all.
   */
  arch: string | null;
  /** Every architecture in the file: several for a universal Mach-O, one or none otherwise. */
  archs: string[];
  /** Byte order of ELF and Mach-O files (ppc64 and mips come in both). */
  endianness: 'little' | 'big' | null;
  /** The OS the format belongs to; null for scripts, unknown files and ELF files of another OS (FreeBSD …). */
  os: ExecutableOs | null;
  /**
   * #! scripts: the interpreter path. ELF: the dynamic loader (PT_INTERP), absent for static
   * binaries such as Go built with CGO_ENABLED=0. Either way the kernel needs it to exist.
   */
  interpreter?: string;
  /** #! scripts: the rest of the #! line, one argument as the kernel passes it (`node` in `#!/usr/bin/env node`). */
  interpreterArgs?: string;
  /** Whether `interpreter` exists on this machine; set only when it is an absolute path. */
  interpreterExists?: boolean;
}

export interface MachineMatch {
  ok: boolean;
  /** Why it will not run here (when not ok). */
  reason?: string;
  /** What to do about it (when not ok). */
  hint?: string;
  /** When ok only through emulation (Rosetta 2, WOW64, …): what that depends on. */
  note?: string;
}

const HEAD_BYTES = 4096;
/** The kernel reads at most this much of a #! line (BINPRM_BUF_SIZE). */
const SHEBANG_MAX = 256;

const ELF_MACHINES: Record<number, (is64: boolean, big: boolean) => string> = {
  3: () => 'ia32',
  8: (_is64, big) => (big ? 'mips' : 'mipsel'),
  20: () => 'ppc',
  21: () => 'ppc64',
  22: (is64) => (is64 ? 's390x' : 's390'),
  40: () => 'arm',
  62: (is64) => (is64 ? 'x64' : 'x32'),
  183: () => 'arm64',
  243: (is64) => (is64 ? 'riscv64' : 'riscv32'),
  258: () => 'loong64',
};

/** e_ident[EI_OSABI] values of systems that are not Linux; 0 (System V) and 3 (GNU) are what Linux binaries carry. */
const NON_LINUX_OSABI = new Set([1, 2, 6, 7, 8, 9, 10, 11, 12, 13, 14]);

const MACHO_CPUS: Record<number, string> = {
  7: 'ia32',
  0x01000007: 'x64',
  12: 'arm',
  0x0100000c: 'arm64',
  18: 'ppc',
  0x01000012: 'ppc64',
};

const PE_MACHINES: Record<number, string> = {
  0x14c: 'ia32',
  0x8664: 'x64',
  0xaa64: 'arm64',
  0x1c0: 'arm',
  0x1c4: 'arm',
};

/** Node's arch names as GOARCH. */
const GOARCH: Record<string, string> = {
  x64: 'amd64',
  ia32: '386',
  arm64: 'arm64',
  arm: 'arm',
  riscv64: 'riscv64',
  ppc64: 'ppc64le',
  s390x: 's390x',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
};

const GOOS: Record<string, string> = { win32: 'windows', darwin: 'darwin', linux: 'linux' };

const NATIVE_FORMAT: Record<string, ExecutableFormat> = { linux: 'elf', darwin: 'mach-o', win32: 'pe' };

const FORMAT_NAMES: Record<ExecutableFormat, string> = {
  elf: 'an ELF executable',
  'mach-o': 'a Mach-O executable (macOS)',
  pe: 'a PE executable (Windows)',
  script: 'a script',
  unknown: 'an unrecognised file',
};

/**
 * Architectures an OS runs besides its own, through emulation that is usually but not always
 * present. Anything not listed is a mismatch.
 */
const EMULATED: Record<string, Record<string, Record<string, string>>> = {
  darwin: {
    arm64: { x64: 'runs under Rosetta 2 (install it with `softwareupdate --install-rosetta` if the start fails)' },
  },
  win32: {
    x64: { ia32: 'runs as a 32-bit process (WOW64)' },
    arm64: { x64: 'runs under Windows x64 emulation', ia32: 'runs under Windows x86 emulation' },
  },
  linux: {
    x64: { ia32: "runs only when the kernel's 32-bit (IA-32) emulation is enabled" },
  },
};

/** Byte order node's architectures run in. */
function nativeEndianness(arch: string): 'little' | 'big' {
  return arch === 's390x' || arch === 's390' || arch === 'mips' || arch === 'ppc' ? 'big' : 'little';
}

async function readAt(handle: fs.FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

async function pathExists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

function base(file: string): Omit<ExecutableInfo, 'format'> {
  return { path: file, arch: null, archs: [], endianness: null, os: null };
}

function parseShebang(file: string, head: Buffer): ExecutableInfo {
  const line = head.subarray(2, SHEBANG_MAX).toString('utf8').split('\n')[0] ?? '';
  const trimmed = line.replace(/\r$/, '').trim();
  const match = /^(\S+)(?:\s+(.*))?$/.exec(trimmed);
  const info: ExecutableInfo = { ...base(file), format: 'script' };
  if (match?.[1] !== undefined) info.interpreter = match[1];
  if (match?.[2] !== undefined && match[2] !== '') info.interpreterArgs = match[2];
  return info;
}

/** The PT_INTERP path of an ELF file, or undefined for a static binary (or headers we cannot follow). */
async function elfInterpreter(
  handle: fs.FileHandle,
  head: Buffer,
  is64: boolean,
  big: boolean,
): Promise<string | undefined> {
  const u16 = (b: Buffer, at: number) => (big ? b.readUInt16BE(at) : b.readUInt16LE(at));
  const u32 = (b: Buffer, at: number) => (big ? b.readUInt32BE(at) : b.readUInt32LE(at));
  const u64 = (b: Buffer, at: number) => Number(big ? b.readBigUInt64BE(at) : b.readBigUInt64LE(at));
  if (head.length < (is64 ? 64 : 52)) return undefined;
  const phoff = is64 ? u64(head, 32) : u32(head, 28);
  const phentsize = u16(head, is64 ? 54 : 42);
  const phnum = u16(head, is64 ? 56 : 44);
  const minEntry = is64 ? 56 : 32;
  // Bounds keep a corrupt header from sending us reading a whole file.
  if (phoff === 0 || phentsize < minEntry || phnum === 0 || phnum > 512) return undefined;
  const table = await readAt(handle, phoff, phentsize * phnum);
  for (let i = 0; i < phnum; i++) {
    const at = i * phentsize;
    if (at + minEntry > table.length) break;
    if (u32(table, at) !== 3 /* PT_INTERP */) continue;
    const offset = is64 ? u64(table, at + 8) : u32(table, at + 4);
    const size = Math.min(is64 ? u64(table, at + 32) : u32(table, at + 16), 4096);
    const raw = await readAt(handle, offset, size);
    const end = raw.indexOf(0);
    return raw.subarray(0, end === -1 ? raw.length : end).toString('utf8') || undefined;
  }
  return undefined;
}

async function parseElf(file: string, handle: fs.FileHandle, head: Buffer): Promise<ExecutableInfo> {
  const info: ExecutableInfo = { ...base(file), format: 'elf' };
  if (head.length < 20) return info;
  const is64 = head[4] === 2;
  const big = head[5] === 2;
  info.endianness = big ? 'big' : 'little';
  info.os = NON_LINUX_OSABI.has(head[7] ?? 0) ? null : 'linux';
  const machine = big ? head.readUInt16BE(18) : head.readUInt16LE(18);
  const arch = ELF_MACHINES[machine]?.(is64, big) ?? null;
  info.arch = arch;
  info.archs = arch === null ? [] : [arch];
  const interpreter = await elfInterpreter(handle, head, is64, big);
  if (interpreter !== undefined) info.interpreter = interpreter;
  return info;
}

function parseMachO(file: string, head: Buffer, big: boolean): ExecutableInfo {
  const cpu = big ? head.readUInt32BE(4) : head.readUInt32LE(4);
  const arch = MACHO_CPUS[cpu] ?? null;
  return {
    ...base(file),
    format: 'mach-o',
    os: 'darwin',
    endianness: big ? 'big' : 'little',
    arch,
    archs: arch === null ? [] : [arch],
  };
}

/** Universal (fat) Mach-O: a big-endian table of the architectures inside. */
function parseFat(file: string, head: Buffer, is64: boolean): ExecutableInfo {
  const count = head.readUInt32BE(4);
  const entry = is64 ? 32 : 20;
  const archs: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = 8 + i * entry;
    if (at + 4 > head.length) break;
    const arch = MACHO_CPUS[head.readUInt32BE(at)];
    if (arch !== undefined && !archs.includes(arch)) archs.push(arch);
  }
  return { ...base(file), format: 'mach-o', os: 'darwin', archs, arch: archs[0] ?? null };
}

async function parsePe(file: string, handle: fs.FileHandle, head: Buffer): Promise<ExecutableInfo> {
  if (head.length < 0x40) return { ...base(file), format: 'unknown' };
  const peOffset = head.readUInt32LE(0x3c);
  const header =
    peOffset + 6 <= head.length ? head.subarray(peOffset, peOffset + 6) : await readAt(handle, peOffset, 6);
  // 'MZ' without a PE header is a DOS program, which no supported OS runs.
  if (header.length < 6 || header.toString('latin1', 0, 4) !== 'PE\0\0') return { ...base(file), format: 'unknown' };
  const arch = PE_MACHINES[header.readUInt16LE(4)] ?? null;
  return { ...base(file), format: 'pe', os: 'win32', endianness: 'little', arch, archs: arch === null ? [] : [arch] };
}

/**
 * Identify an executable from its first bytes. Throws the file system's error when the file
 * cannot be opened or read (ENOENT, EACCES, EISDIR).
 */
export async function inspectExecutable(file: string): Promise<ExecutableInfo> {
  const handle = await fs.open(file, 'r');
  try {
    const head = await readAt(handle, 0, HEAD_BYTES);
    const info = await classify(file, handle, head);
    if (info.interpreter !== undefined && path.isAbsolute(info.interpreter)) {
      info.interpreterExists = await pathExists(info.interpreter);
    }
    return info;
  } finally {
    await handle.close();
  }
}

async function classify(file: string, handle: fs.FileHandle, head: Buffer): Promise<ExecutableInfo> {
  if (head.length >= 2 && head[0] === 0x23 && head[1] === 0x21) return parseShebang(file, head);
  if (head.length >= 2 && head[0] === 0x4d && head[1] === 0x5a) return parsePe(file, handle, head);
  if (head.length < 8) return { ...base(file), format: 'unknown' };
  if (head.readUInt32BE(0) === 0x7f454c46) return parseElf(file, handle, head);
  const be = head.readUInt32BE(0);
  if (be === 0xfeedface || be === 0xfeedfacf) return parseMachO(file, head, true);
  const le = head.readUInt32LE(0);
  if (le === 0xfeedface || le === 0xfeedfacf) return parseMachO(file, head, false);
  // Java class files share 0xcafebabe; their next word is the class version (>= 45), a fat
  // header's is the architecture count (a handful). file(1) tells them apart the same way.
  if ((be === 0xcafebabe || be === 0xcafebabf) && head.readUInt32BE(4) > 0 && head.readUInt32BE(4) < 45) {
    return parseFat(file, head, be === 0xcafebabf);
  }
  return { ...base(file), format: 'unknown' };
}

/** Node's arch name as GOARCH (x64 → amd64, ia32 → 386, …). */
export function goArch(arch: string): string {
  return GOARCH[arch] ?? arch;
}

/** Node's platform name as GOOS (win32 → windows, …). */
export function goOs(platform: string): string {
  return GOOS[platform] ?? platform;
}

function goBuild(file: string, platform: string, arch: string): string {
  return `GOOS=${goOs(platform)} GOARCH=${goArch(arch)} go build -o ${file} ./cmd/server`;
}

function buildHint(file: string, platform: string, arch: string): string {
  return `Build it for this machine: ${goBuild(file, platform, arch)}`;
}

function describeExecutable(info: ExecutableInfo): string {
  const what = FORMAT_NAMES[info.format];
  if (info.format === 'elf' && info.os === null) return `${what} for another operating system`;
  if (info.archs.length > 1) return `a universal Mach-O executable (macOS) for ${info.archs.join(', ')}`;
  if (info.arch === null) return `${what} for an architecture node does not know`;
  return `${what} for ${info.arch}`;
}

/**
 * Whether this machine can run the file. Scripts are fine on POSIX when their interpreter
 * exists; binaries must be of this OS's format, for this architecture (or one it emulates).
 */
export function matchesThisMachine(
  info: ExecutableInfo,
  platform: string = process.platform,
  arch: string = process.arch,
): MachineMatch {
  const file = info.path;
  const machine = `${platform} ${arch}`;
  if (info.format === 'unknown') {
    return {
      ok: false,
      reason: `${file} is not a recognised executable (ELF, Mach-O, PE or #! script)`,
      hint: `Point at the built backend binary, or build it: ${goBuild(file, platform, arch)}`,
    };
  }
  if (info.format === 'script') {
    if (platform === 'win32') {
      return {
        ok: false,
        reason: `${file} is a #! script, which Windows does not run`,
        hint: buildHint(file, platform, arch),
      };
    }
    if (info.interpreterExists === false) {
      return {
        ok: false,
        reason: `${file} is a script for ${info.interpreter ?? 'an interpreter'}, which does not exist on this machine`,
        hint: `Install ${info.interpreter ?? 'the interpreter'} or fix the #! line of ${file}`,
      };
    }
    return { ok: true };
  }

  const native = NATIVE_FORMAT[platform];
  const formatOk = native === undefined ? info.format === 'elf' : info.format === native;
  const osOk = native === undefined || info.os === platform;
  if (!formatOk || !osOk) {
    return {
      ok: false,
      reason: `${file} is ${describeExecutable(info)}; this machine is ${machine}`,
      hint: buildHint(file, platform, arch),
    };
  }
  const endianOk = info.endianness === null || info.endianness === nativeEndianness(arch);
  if (info.archs.includes(arch) && endianOk) return loaderCheck(info);
  const emulated = info.archs.map((a) => EMULATED[platform]?.[arch]?.[a]).find((note) => note !== undefined);
  if (emulated !== undefined) {
    const loader = loaderCheck(info);
    return loader.ok ? { ok: true, note: `${file} is ${describeExecutable(info)}: it ${emulated}` } : loader;
  }
  const order = info.endianness !== null && info.archs.includes(arch) ? ` (${info.endianness}-endian)` : '';
  return {
    ok: false,
    reason: `${file} is ${describeExecutable(info)}${order}; this machine is ${machine}`,
    hint: buildHint(file, platform, arch),
  };
}

/** A dynamically linked ELF whose loader is missing fails with ENOENT, which reads as "file not found". */
function loaderCheck(info: ExecutableInfo): MachineMatch {
  if (info.format !== 'elf' || info.interpreterExists !== false) return { ok: true };
  return {
    ok: false,
    reason: `${info.path} needs the dynamic loader ${info.interpreter ?? ''}, which this machine lacks (a musl system such as Alpine, or a missing 32-bit runtime)`,
    hint: `Build a static binary: CGO_ENABLED=0 go build -o ${info.path} ./cmd/server`,
  };
}
