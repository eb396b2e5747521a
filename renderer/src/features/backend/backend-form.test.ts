import { describe, expect, it } from 'vitest';
import { backendConfigInput } from '../../../../common/backend';
import { config } from './backend-fixtures';
import type { BackendForm, BackendFormResult } from './backend-form';
import {
  backendFormToInput,
  defaultHealthUrl,
  emptyBackendForm,
  emptyEnvRow,
  formFromConfig,
  parseArgs,
  replaceSecret,
  updateEnvRow,
} from './backend-form';

const filled = (patch: Partial<BackendForm> = {}): BackendForm => ({
  ...emptyBackendForm(),
  name: 'api',
  binaryPath: '/opt/api/bin/server',
  ...patch,
});

function expectOk(result: BackendFormResult) {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.error.message}`);
  return result.input;
}

function expectError(result: BackendFormResult) {
  if (result.ok) throw new Error('expected an error');
  return result.error;
}

describe('backend form', () => {
  it('starts from the defaults main applies', () => {
    const form = emptyBackendForm();
    const defaults = backendConfigInput.parse({ name: 'x', binaryPath: 'x' });
    expect(form).toMatchObject({
      port: String(defaults.port),
      probeIntervalMs: String(defaults.probeIntervalMs),
      restartPolicy: defaults.restartPolicy,
      stopTimeoutMs: String(defaults.stopTimeoutMs),
      autoStart: false,
    });
    expect(defaultHealthUrl(form.port)).toBe('http://127.0.0.1:8080/health');
    expect(defaultHealthUrl('9000')).toBe('http://127.0.0.1:9000/health');
  });

  it('turns the form into backend.save input with numbers, args one per line, and no profile as null', () => {
    const input = expectOk(
      backendFormToInput(
        filled({
          argsText: '--config\n\n/etc/api.toml\n',
          port: ' 9001 ',
          backoffMultiplier: '1.5',
          restartPolicy: 'always',
          autoStart: true,
        }),
      ),
    );
    expect(input).toMatchObject({
      name: 'api',
      args: ['--config', '/etc/api.toml'],
      port: 9001,
      backoffMultiplier: 1.5,
      restartPolicy: 'always',
      databaseProfileId: null,
      autoStart: true,
      env: [],
    });
    expect(input).not.toHaveProperty('id');
  });

  it('keeps the id when editing', () => {
    const form = formFromConfig(config({ id: 'b1', name: 'api', args: ['-v'], databaseProfileId: 'p1' }));
    expect(form).toMatchObject({ id: 'b1', argsText: '-v', databaseProfileId: 'p1' });
    expect(expectOk(backendFormToInput(form))).toMatchObject({ id: 'b1', databaseProfileId: 'p1', args: ['-v'] });
  });

  it('points at the field that is wrong, with the limits of the schema', () => {
    let error = expectError(backendFormToInput(filled({ port: 'eighty' })));
    expect(error.field).toBe('port');
    expect(error.error.message).toBe('Port must be a number');

    error = expectError(backendFormToInput(filled({ port: '70000' })));
    expect(error.field).toBe('port');
    expect(error.error.message).toMatch(/^Port: /);

    error = expectError(backendFormToInput(filled({ binaryPath: '  ' })));
    expect(error.field).toBe('binaryPath');
    expect(error.error.message).toContain('The path of the backend binary is required');

    error = expectError(backendFormToInput(filled({ probeIntervalMs: '10' })));
    expect(error.field).toBe('probeIntervalMs');

    error = expectError(backendFormToInput(filled({ backoffInitialMs: '5000', backoffMaxMs: '1000' })));
    expect(error.field).toBe('backoffMaxMs');
  });

  it('checks the extra variables: names, duplicates, PORT', () => {
    const row = (key: string, value = 'v') => ({ ...emptyEnvRow(), key, value });
    expect(expectError(backendFormToInput(filled({ env: [row('', 'x')] }))).field).toBe('env.0');
    expect(expectError(backendFormToInput(filled({ env: [row('A'), row('A')] }))).field).toBe('env.1');
    expect(expectError(backendFormToInput(filled({ env: [row('PORT')] }))).error.message).toMatch(/port field/);
    expect(expectError(backendFormToInput(filled({ env: [row('1BAD')] }))).field).toBe('env.0');
    // An empty row is ignored rather than refused.
    expect(expectOk(backendFormToInput(filled({ env: [row('', '')] }))).env).toEqual([]);
  });
});

describe('secret variables', () => {
  const saved = config({
    id: 'b1',
    name: 'api',
    env: [
      { key: 'LOG_LEVEL', value: 'debug', secret: false },
      { key: 'JWT_SECRET', value: null, secret: true },
    ],
  });

  it('sends a stored secret as null, so main keeps it', () => {
    const form = formFromConfig(saved);
    expect(form.env.map((r) => [r.key, r.stored])).toEqual([
      ['LOG_LEVEL', false],
      ['JWT_SECRET', true],
    ]);
    expect(expectOk(backendFormToInput(form)).env).toEqual([
      { key: 'LOG_LEVEL', value: 'debug', secret: false },
      { key: 'JWT_SECRET', value: null, secret: true },
    ]);
  });

  it('sends the new value after Replace, and asks for one when left empty', () => {
    const form = formFromConfig(saved);
    const replaced = replaceSecret(form.env[1]!);
    expect(replaced).toMatchObject({ stored: false, value: '' });
    const empty = { ...form, env: [form.env[0]!, replaced] };
    const error = expectError(backendFormToInput(empty));
    expect(error.field).toBe('env.1');
    expect(error.error.message).toBe('Type the value of the secret JWT_SECRET');
    const typed = { ...form, env: [form.env[0]!, { ...replaced, value: 's3cret' }] };
    expect(expectOk(backendFormToInput(typed)).env?.[1]).toEqual({ key: 'JWT_SECRET', value: 's3cret', secret: true });
  });

  it('forgets the stored value when the key is renamed or the secret flag is cleared', () => {
    const stored = formFromConfig(saved).env[1]!;
    expect(updateEnvRow(stored, { key: 'JWT_KEY' }).stored).toBe(false);
    expect(updateEnvRow(stored, { secret: false }).stored).toBe(false);
    expect(updateEnvRow(stored, { key: 'JWT_SECRET' }).stored).toBe(true);
  });

  it('sends a newly typed secret with its value', () => {
    const row = { ...emptyEnvRow(), key: 'API_TOKEN', value: 'tok', secret: true };
    expect(expectOk(backendFormToInput(filled({ env: [row] }))).env).toEqual([
      { key: 'API_TOKEN', value: 'tok', secret: true },
    ]);
  });
});

describe('parseArgs', () => {
  it('takes one argument per line, keeping spaces inside a line', () => {
    expect(parseArgs('--name\nmy api\r\n\n  \n-v')).toEqual(['--name', 'my api', '-v']);
  });
});
