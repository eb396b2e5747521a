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

/** Inputs that no contract call accepts: wrong shapes, wrong types, extra keys. */
const malformedFor: Record<CallName, fc.Arbitrary<unknown>> = {
  'app.info': fc.oneof(
    fc.dictionary(fc.string({ minLength: 1 }), fc.anything(), { minKeys: 1 }),
    fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.array(fc.anything())),
  ),
  'db.listSchemas': fc.oneof(
    fc.record({ url: fc.string().filter((s) => !/^\s*postgres(ql)?:\/\//i.test(s)) }),
    fc.record({ url: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string())) }),
    fc.record({ url: fc.constant('postgres://h/db'), includeSystem: fc.oneof(fc.string(), fc.integer()) }),
    fc.record({ url: fc.constant('postgres://h/db'), extra: fc.anything() }),
    fc.oneof(fc.string(), fc.integer(), fc.array(fc.anything())),
  ),
  'logs.recent': fc.oneof(
    fc.record({ limit: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 5001 }), fc.double({ noInteger: true })) }),
    fc.record({ limit: fc.oneof(fc.string(), fc.boolean(), fc.constant(null)) }),
    fc.record({ lines: fc.anything() }),
  ),
  'logs.write': fc.oneof(
    fc.record({
      level: fc.string().filter((s) => !['error', 'warn', 'info', 'debug'].includes(s)),
      message: fc.string({ minLength: 1 }),
    }),
    fc.record({
      level: fc.constant('info'),
      message: fc.oneof(fc.constant(''), fc.integer(), fc.string({ minLength: 8001, maxLength: 8100 })),
    }),
    fc.record({ message: fc.string({ minLength: 1 }) }),
    fc.constant(null).map(() => ({ level: 'info' })),
  ),
};

describe('router', () => {
  it('has a malformed-input generator for every contract call', () => {
    expect(Object.keys(malformedFor).sort()).toEqual([...callNames].sort());
  });

  for (const name of callNames) {
    it(`rejects malformed input for ${name} without calling the service`, async () => {
      const { handlers, calls } = spyHandlers();
      const router = createRouter(handlers, logger);
      await fc.assert(
        fc.asyncProperty(malformedFor[name], async (input) => {
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
