import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { CallName } from '../../common/contract';
import { callNames, contract } from '../../common/contract';
import { OpsError } from '../../common/errors';
import type { Logger } from '../services/logging/log-service';
import type { Handlers } from './router';
import { createRouter } from './router';

const logger: Logger = { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn() };

function spyHandlers() {
  const calls: string[] = [];
  const handlers = Object.fromEntries(
    callNames.map((name) => [
      name,
      (input: unknown) => {
        calls.push(name);
        return { echoed: input };
      },
    ]),
  ) as unknown as Handlers;
  return { handlers, calls };
}

/** Inputs that no call accepts: not an object, or an object with an unknown key. */
const generic: fc.Arbitrary<unknown> = fc.oneof(
  fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.array(fc.anything())),
  fc.record({ unexpectedKey: fc.anything() }),
);

const badUrl = fc.oneof(
  fc.string().filter((s) => !/^\s*postgres(ql)?:\/\/\S*\s*$/i.test(s)),
  fc.integer(),
  fc.constant(null),
  fc.constant('postgres://has space/db'),
);
const badConnection = fc.oneof(
  fc.record({ url: badUrl }),
  fc.record({ profileId: fc.oneof(fc.constant(''), fc.integer(), fc.string({ minLength: 65, maxLength: 80 })) }),
  fc.constant({ profileId: 'a', url: 'postgres://h/db' }),
  fc.constant({}),
);
const goodConnection = { url: 'postgres://h/db' };
const badIdentifier = fc.oneof(fc.constant(''), fc.integer(), fc.string({ minLength: 256, maxLength: 300 }));
const badRunId = fc.oneof(
  fc.string().filter((s) => !/^[A-Za-z0-9_-]{1,64}$/.test(s)),
  fc.constant("x'; DROP TABLE t; --"),
  fc.integer(),
);

/** Call-specific malformed inputs, on top of the generic ones. */
const specific: Partial<Record<CallName, fc.Arbitrary<unknown>>> = {
  'db.listSchemas': fc.oneof(
    fc.record({ url: badUrl }),
    fc.record({ url: fc.constant('postgres://h/db'), includeSystem: fc.oneof(fc.string(), fc.integer()) }),
  ),
  'logs.recent': fc.record({
    limit: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 5001 }), fc.double({ noInteger: true }), fc.string()),
  }),
  'logs.write': fc.oneof(
    fc.record({
      level: fc.string().filter((s) => !['error', 'warn', 'info', 'debug'].includes(s)),
      message: fc.string({ minLength: 1 }),
    }),
    fc.record({
      level: fc.constant('info'),
      message: fc.oneof(fc.constant(''), fc.integer(), fc.string({ minLength: 8001, maxLength: 8100 })),
    }),
  ),
  'files.chooseOpen': fc.oneof(
    fc.record({ title: fc.constant('t'), choose: fc.string().filter((s) => !['file', 'files', 'folder'].includes(s)) }),
    fc.record({ title: fc.constant('   '), choose: fc.constant('file') }),
    fc.record({
      title: fc.constant('t'),
      choose: fc.constant('file'),
      filters: fc.constant([{ name: 'JSON', extensions: ['.json'] }]),
    }),
    fc.record({ title: fc.constant('t'), choose: fc.constant('files'), defaultPath: fc.constant('') }),
  ),
  'files.chooseSave': fc.oneof(
    fc.record({ title: fc.integer({ min: 201, max: 300 }).map((n) => 't'.repeat(n)) }),
    fc.record({ title: fc.constant('t'), defaultPath: fc.integer() }),
    fc.record({ title: fc.constant('t'), filters: fc.constant([{ name: 'all', extensions: [] }]) }),
  ),
  'profiles.save': fc.oneof(
    fc.record({ name: fc.constant('p') }),
    fc.record({ name: fc.constant(''), url: fc.constant('postgres://h/db') }),
    fc.record({ name: fc.constant('p'), url: badUrl }),
    fc.record({
      name: fc.constant('p'),
      url: fc.constant('postgres://h/db'),
      port: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 65536 })),
    }),
    fc.record({
      name: fc.constant('p'),
      url: fc.constant('postgres://h/db'),
      sslMode: fc.string().filter((s) => !['disable', 'prefer', 'require', 'verify-ca', 'verify-full'].includes(s)),
    }),
    fc.record({
      name: fc.constant('p'),
      url: fc.constant('postgres://h/db'),
      poolSize: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 101 })),
    }),
  ),
  'profiles.delete': fc.record({ id: badIdentifier }),
  'connections.connect': fc.record({ connection: badConnection }),
  'connections.disconnect': fc.record({ connection: badConnection }),
  'db.check': fc.record({ connection: badConnection }),
  'schema.model': fc.oneof(
    fc.record({ connection: badConnection }),
    fc.record({ connection: fc.constant(goodConnection), exactSizes: fc.constantFrom('yes', 1, null) }),
  ),
  'schema.sizes': fc.oneof(
    fc.record({ connection: badConnection, schema: fc.constant('s'), table: fc.constant('t') }),
    fc.record({ connection: fc.constant(goodConnection), schema: fc.constant('s'), table: badIdentifier }),
  ),
  'schema.count': fc.oneof(
    fc.record({ connection: badConnection, schema: fc.constant('s'), table: fc.constant('t') }),
    fc.record({ connection: fc.constant(goodConnection), schema: badIdentifier, table: fc.constant('t') }),
  ),
  'data.page': fc.oneof(
    fc.record({ connection: fc.constant(goodConnection), schema: badIdentifier, table: fc.constant('t') }),
    fc.record({
      connection: fc.constant(goodConnection),
      schema: fc.constant('s'),
      table: fc.constant('t'),
      pageSize: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 5001 })),
    }),
    fc.record({
      connection: fc.constant(goodConnection),
      schema: fc.constant('s'),
      table: fc.constant('t'),
      filters: fc.constant([{ column: 'c', operator: 'raw_sql', value: '1=1' }]),
    }),
    fc.record({
      connection: fc.constant(goodConnection),
      schema: fc.constant('s'),
      table: fc.constant('t'),
      sort: fc.constant([{ column: 'c', direction: 'asc; drop table x' }]),
    }),
  ),
  'sql.run': fc.oneof(
    fc.record({ connection: fc.constant(goodConnection), sql: fc.constant(''), runId: fc.constant('r1') }),
    fc.record({ connection: fc.constant(goodConnection), sql: fc.constant('select 1'), runId: badRunId }),
    fc.record({
      connection: fc.constant(goodConnection),
      sql: fc.constant('select 1'),
      runId: fc.constant('r'),
      maxRows: fc.integer({ max: 0 }),
    }),
  ),
  'sql.cancel': fc.record({ runId: badRunId }),
  'sql.explain': fc.record({ connection: badConnection, sql: fc.constant('select 1') }),
  'ops.refreshMatview': fc.record({
    connection: fc.constant(goodConnection),
    schema: badIdentifier,
    name: fc.constant('v'),
  }),
  'ops.runFunction': fc.oneof(
    fc.record({ connection: fc.constant(goodConnection), schema: fc.constant('ai'), name: fc.constant('f') }),
    fc.record({
      connection: fc.constant(goodConnection),
      schema: fc.constant('ai'),
      name: fc.constant('f'),
      confirmDatabase: fc.constant(''),
    }),
  ),
  'migrations.status': fc.oneof(
    fc.record({ connection: badConnection }),
    fc.record({ connection: fc.constant(goodConnection), dir: fc.oneof(fc.constant(''), fc.integer()) }),
  ),
  'migrations.plan': fc.oneof(
    fc.record({ connection: badConnection }),
    fc.record({
      connection: fc.constant(goodConnection),
      to: fc.oneof(
        fc.integer({ max: -1 }),
        fc.double().filter((d) => !Number.isSafeInteger(d)),
      ),
    }),
    fc.record({ connection: fc.constant(goodConnection), runId: badRunId }),
  ),
  'migrations.apply': fc.oneof(
    fc.record({ connection: fc.constant(goodConnection), runId: badRunId }),
    fc.record({
      connection: fc.constant(goodConnection),
      runId: fc.constant('r1'),
      lockTimeoutMs: fc.integer({ max: -1 }),
    }),
    fc.record({ connection: fc.constant(goodConnection), runId: fc.constant('r1'), to: fc.string() }),
  ),
  'migrations.baseline': fc.oneof(
    fc.record({ connection: badConnection }),
    fc.record({ connection: fc.constant(goodConnection), to: fc.integer({ max: -1 }) }),
  ),
  'migrations.resolve': fc.oneof(
    fc.record({ connection: fc.constant(goodConnection), version: fc.constant(1), action: fc.constant('drop') }),
    fc.record({ connection: fc.constant(goodConnection), version: fc.constant(-1), action: fc.constant('retry') }),
  ),
  'backend.save': fc.oneof(
    fc.record({ name: fc.constant('api') }),
    fc.record({ name: fc.constant(''), binaryPath: fc.constant('/bin/server') }),
    fc.record({
      name: fc.constant('api'),
      binaryPath: fc.constant('/bin/server'),
      port: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 65_536 })),
    }),
    fc.record({
      name: fc.constant('api'),
      binaryPath: fc.constant('/bin/server'),
      restartPolicy: fc.string().filter((p) => !['never', 'on-failure', 'always'].includes(p)),
    }),
    fc.record({
      name: fc.constant('api'),
      binaryPath: fc.constant('/bin/server'),
      env: fc.constant([{ key: 'BAD KEY; rm -rf /', value: 'x', secret: false }]),
    }),
  ),
  'snapshot.show': fc.record({ id: badIdentifier }),
  'snapshot.create': fc.oneof(
    fc.record({ connection: badConnection, captureId: fc.constant('c1') }),
    fc.record({ connection: fc.constant(goodConnection), captureId: badRunId }),
    fc.record({
      connection: fc.constant(goodConnection),
      captureId: fc.constant('c1'),
      rowsPerTable: fc.integer({ max: -1 }),
    }),
  ),
  'snapshot.cancel': fc.record({ captureId: badRunId }),
  'snapshot.rename': fc.record({ id: fc.constant('s1'), name: fc.constant('') }),
  'snapshot.delete': fc.record({ id: badIdentifier }),
  'snapshot.check': fc.record({ id: badIdentifier }),
  'snapshot.export': fc.record({ id: fc.constant('s1'), file: fc.oneof(fc.constant(''), fc.integer()) }),
  'snapshot.import': fc.record({ file: fc.oneof(fc.constant(''), fc.integer()) }),
  'snapshot.diff': fc.oneof(
    fc.record({ left: fc.constant('s1'), right: fc.constant('s2') }),
    fc.record({ left: fc.constant('s1'), right: fc.record({ connection: badConnection }) }),
  ),
  'sled.show': fc.record({ id: fc.constantFrom('', '../etc/passwd', 'a b', 'x'.repeat(65)) }),
  'sled.import': fc.oneof(
    fc.record({ files: fc.constant([]) }),
    fc.record({ files: fc.constant(['']) }),
    fc.record({ files: fc.constant(['/tmp/export.jsonl']), runId: badRunId }),
    fc.record({ files: fc.constant(['/tmp/export.jsonl']), decoderThreads: fc.constantFrom(-1, 9, 1.5, '2') }),
  ),
  'sled.plan': fc.oneof(
    fc.record({ id: fc.constant('../x') }),
    fc.record({ id: fc.constant('i1'), connection: badConnection }),
    fc.record({ id: fc.constant('i1'), settings: fc.record({ uuidNamespace: fc.constant('not-a-uuid') }) }),
    fc.record({ id: fc.constant('i1'), settings: fc.record({ cacheTtlSeconds: fc.integer({ max: -1 }) }) }),
    fc.record({ id: fc.constant('i1'), settings: fc.record({ secrets: fc.constant('print') }) }),
  ),
  'sled.load': fc.oneof(
    fc.record({ id: fc.constant('i1'), connection: badConnection }),
    fc.record({ id: fc.constant('i1'), connection: fc.constant(goodConnection), passphrase: fc.constant('short') }),
    fc.record({ id: fc.constant('i1'), connection: fc.constant(goodConnection), batchSize: fc.integer({ max: 0 }) }),
  ),
  'sled.cancel': fc.record({ runId: badRunId }),
  'sled.report': fc.record({ id: fc.constant('i1'), connection: badConnection }),
  'sled.delete': fc.record({ id: fc.constant('a/b') }),
  'backend.delete': fc.record({ id: badIdentifier }),
  'backend.start': fc.record({ id: badIdentifier }),
  'backend.stop': fc.record({ id: badIdentifier }),
  'backend.restart': fc.record({ id: badIdentifier }),
  'backend.preflight': fc.record({ id: badIdentifier }),
  'backend.logs': fc.oneof(
    fc.record({ id: badIdentifier }),
    fc.record({ id: fc.constant('b1'), limit: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 100_001 })) }),
    fc.record({ id: fc.constant('b1'), streams: fc.constant(['stdin']) }),
  ),
};

const malformedFor = (name: CallName): fc.Arbitrary<unknown> => {
  const own = specific[name];
  return own ? fc.oneof(generic, own) : generic;
};

describe('router', () => {
  it('has call-specific malformed inputs for every call that takes fields', () => {
    const withFields = callNames.filter((name) => {
      const schema = contract[name].input;
      return !schema.safeParse({}).success;
    });
    for (const name of withFields) expect(specific[name], name).toBeDefined();
  });

  for (const name of callNames) {
    it(`rejects malformed input for ${name} without calling the service`, async () => {
      const { handlers, calls } = spyHandlers();
      const router = createRouter(handlers, logger);
      await fc.assert(
        fc.asyncProperty(malformedFor(name), async (input) => {
          const result = await router.call(name, input, { transport: 'http' });
          expect(result.ok).toBe(false);
          if (!result.ok) {
            expect(result.error.kind).toBe('invalid_input');
            expect(result.error.message).toContain(name);
          }
        }),
        { numRuns: 150 },
      );
      expect(calls).toEqual([]);
    });
  }

  it('accepts well-formed input and passes the parsed value to the service', async () => {
    const { handlers, calls } = spyHandlers();
    const router = createRouter(handlers, logger);
    const result = await router.call('db.listSchemas', { url: '  postgres://u:p@h:5432/db ' }, { transport: 'ipc' });
    expect(result).toEqual({ ok: true, value: { echoed: { url: 'postgres://u:p@h:5432/db' } } });
    expect(calls).toEqual(['db.listSchemas']);
    expect(contract['db.listSchemas'].input.safeParse({ url: 'postgresql://h/db', includeSystem: true }).success).toBe(
      true,
    );
  });

  it('refuses unknown call names, including prototype keys', async () => {
    const router = createRouter(spyHandlers().handlers, logger);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'), fc.integer()),
        async (name) => {
          fc.pre(!(callNames as readonly unknown[]).includes(name));
          const result = await router.call(name, {}, { transport: 'http' });
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.error.kind).toBe('unknown_call');
        },
      ),
    );
  });

  it('maps typed errors to {kind, message, hint, detail} and redacts secrets', async () => {
    const { handlers } = spyHandlers();
    handlers['app.info'] = () => {
      throw new OpsError('auth_failed', 'login failed for postgres://admin:hunter22@db:5432/x', {
        hint: 'check password=hunter22',
        detail: 'token=abcdef123',
      });
    };
    const result = await createRouter(handlers, logger).call('app.info', {}, { transport: 'http' });
    expect(result.ok).toBe(false);
    const text = JSON.stringify(result);
    expect(text).not.toContain('hunter22');
    expect(text).not.toContain('abcdef123');
    if (!result.ok) {
      expect(result.error.kind).toBe('auth_failed');
      expect(result.error.hint).toBe('check password=***');
    }
  });

  it('never sends a stack trace or the raw message of an unexpected error', async () => {
    const { handlers } = spyHandlers();
    handlers['app.info'] = () => {
      throw new TypeError('cannot read x of undefined at /secret/path/file.ts:10');
    };
    const result = await createRouter(handlers, logger).call('app.info', {}, { transport: 'http' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.kind).toBe('internal');
      expect(JSON.stringify(result.error)).not.toMatch(/secret\/path|TypeError|at /);
    }
    expect(logger.error).toHaveBeenCalled();
  });
});
