/** Sled import values for the store tests, in the shape main sends. */
import type { ConnectionProfile } from '../../../../common/profiles';
import type { SledImportSummary, SledPlan, SledReport } from '../../../../common/sled';
import { DEFAULT_CACHE_TTL_SECONDS, DEFAULT_SLED_NAMESPACE } from '../../../../common/sled';

export function importSummary(id: string, patch: Partial<SledImportSummary> = {}): SledImportSummary {
  return {
    id,
    state: 'staged',
    createdAt: '2026-11-26T10:00:00.000Z',
    files: [
      {
        path: `/srv/${id}.jsonl`,
        bytes: 4096,
        format: 'jsonl',
        sha256: 'ab'.repeat(32),
        entries: 12,
        sources: ['fodi_ledger'],
      },
    ],
    entries: 12,
    byFamily: { balance: 3, wallet: 2, ai_cache: 2, conversation: 2, memory: 1, preference: 1 },
    problems: { invalid_json: 1 },
    problemExamples: {
      invalid_json: {
        file: `/srv/${id}.jsonl`,
        origin: 'line 7',
        reason: 'line 7 is not valid JSON: it ends too soon',
      },
    },
    loaded: 0,
    skipped: 0,
    failed: 0,
    lastLoadAt: null,
    stagingFile: `/data/sled/${id}.sqlite`,
    stagingBytes: 65536,
    message: null,
    ...patch,
  };
}

export function plan(importId: string, patch: Partial<SledPlan> = {}): SledPlan {
  return {
    importId,
    settings: { cacheTtlSeconds: DEFAULT_CACHE_TTL_SECONDS, uuidNamespace: DEFAULT_SLED_NAMESPACE, secrets: 'encrypt' },
    checkedAgainst: null,
    tables: [
      { target: 'blockchain.wallets', toInsert: 2, toSkip: 0, skipReasons: [], alreadyLoaded: 0 },
      {
        target: 'blockchain.fodi_transactions',
        toInsert: 3,
        toSkip: 0,
        skipReasons: [],
        alreadyLoaded: 0,
        walletUpdates: 2,
      },
    ],
    problems: [{ kind: 'invalid_json', count: 1, samples: [] }],
    secrets: { wallets: 1, mode: 'encrypt' },
    balanceTotal: '3000000000',
    entries: 12,
    ...patch,
  };
}

export function report(importId: string, patch: Partial<SledReport> = {}): SledReport {
  return {
    importId,
    generatedAt: '2026-11-26T10:05:00.000Z',
    verifiedAgainst: null,
    entries: 12,
    outcomes: { loaded: 11, skipped: 0, failed: 1, pending: 0 },
    tables: [],
    reasons: [],
    checks: [{ name: 'balances', expected: '3000000000', actual: '3000000000', ok: true }],
    secrets: { encrypted: 1, leftOut: 0 },
    reconciled: true,
    ...patch,
  };
}

export function profile(id: string, patch: Partial<ConnectionProfile> = {}): ConnectionProfile {
  return {
    id,
    name: id,
    kind: 'remote',
    host: '127.0.0.1',
    port: 5432,
    database: `db_${id}`,
    user: 'ops',
    sslMode: 'disable',
    sslRootCert: null,
    poolSize: 10,
    statementTimeoutMs: 0,
    readOnly: false,
    production: false,
    hasStoredPassword: false,
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
    ...patch,
  };
}
