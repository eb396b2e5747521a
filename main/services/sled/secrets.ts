/**
 * Wallet secrets, read back from the export files at load time. The staging
 * database keeps none (the staged wallet value has "secret": null), so the
 * export stays the only plaintext copy; this reads it again, finds each
 * wallet by where it was (file and origin) and checks that it is the very
 * value that was staged (its SHA-256) and the very file (size, SHA-256).
 * The secrets live only in the returned map: never logged, never stored.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { OpsError } from '../../../common/errors';
import { readExport } from './export-reader';
import type { StagingDb } from './staging-db';

interface WantedWallet {
  id: number;
  valueSha256: string;
}

/** entryId → secret, for the staged wallets that have one (all of them, or those in `wanted`). */
export async function readWalletSecrets(
  staging: StagingDb,
  wanted?: ReadonlySet<number>,
): Promise<Map<number, string>> {
  const rows = staging.db
    .prepare(
      `SELECT id, file_id, origin, value_sha256 FROM entries
        WHERE family = 'wallet' AND problem IS NULL AND json_extract(record, '$.has_secret') = 1
        ORDER BY id`,
    )
    .all() as Array<{ id: number; file_id: number; origin: string; value_sha256: string | null }>;
  const byFile = new Map<number, Map<string, WantedWallet>>();
  for (const row of rows) {
    if (wanted && !wanted.has(row.id)) continue;
    if (row.value_sha256 === null) continue;
    const origins = byFile.get(row.file_id) ?? new Map<string, WantedWallet>();
    origins.set(row.origin, { id: row.id, valueSha256: row.value_sha256 });
    byFile.set(row.file_id, origins);
  }

  const secrets = new Map<number, string>();
  for (const [fileId, origins] of byFile) {
    const file = staging.db.prepare('SELECT path, bytes, sha256 FROM files WHERE id = ?').get(fileId) as
      { path: string; bytes: number; sha256: string | null } | undefined;
    if (!file) throw new OpsError('internal', `The staging database lists no file ${fileId}`);
    await readFileSecrets(file, origins, secrets);
  }
  return secrets;
}

const changed = (path: string, detail: string) =>
  new OpsError('conflict', `The export file ${path} changed since it was imported`, {
    detail,
    hint: 'Wallet secrets are read from the export file itself. Restore the file as it was, or import it again.',
  });

async function readFileSecrets(
  file: { path: string; bytes: number; sha256: string | null },
  origins: Map<string, WantedWallet>,
  secrets: Map<number, string>,
): Promise<void> {
  let size: number;
  try {
    size = fs.statSync(file.path).size;
  } catch {
    throw new OpsError('not_found', `The export file ${file.path} is gone`, {
      hint: 'Wallet secrets are read from the export file at load time (the staging database keeps none). Put it back where it was, or load with secrets left out.',
    });
  }
  if (size !== file.bytes) throw changed(file.path, `It had ${file.bytes} bytes, it has ${size}.`);

  const found = new Map<number, string>();
  // Set inside the visitor: the first reason to refuse the file.
  const state: { problem: OpsError | null } = { problem: null };
  const result = await readExport(file.path, {
    source() {},
    entry(raw) {
      if (state.problem !== null) return;
      const wallet = origins.get(raw.origin);
      if (!wallet || raw.value === null) return;
      if (createHash('sha256').update(raw.value).digest('hex') !== wallet.valueSha256) {
        state.problem = changed(file.path, `The wallet at ${raw.origin} is not the value that was staged.`);
        return;
      }
      let secret: unknown;
      try {
        secret = (JSON.parse(raw.valueText ?? raw.value.toString('utf8')) as { secret?: unknown }).secret;
      } catch {
        secret = undefined;
      }
      if (typeof secret !== 'string' || secret === '') {
        state.problem = changed(file.path, `The wallet at ${raw.origin} has no secret.`);
        return;
      }
      found.set(wallet.id, secret);
    },
  });
  if (state.problem !== null) throw state.problem;
  if (file.sha256 !== null && result.sha256 !== file.sha256) {
    throw changed(file.path, 'Its SHA-256 differs from the one recorded when it was imported.');
  }
  for (const [origin, wallet] of origins) {
    if (!found.has(wallet.id)) throw changed(file.path, `No wallet is at ${origin} any more.`);
  }
  for (const [id, secret] of found) secrets.set(id, secret);
}
