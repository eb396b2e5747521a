import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { BackendConfig, BackendConfigInput, BackendConfigView, BackendEnvVar } from '../../../common/backend';
import { backendConfigInput } from '../../../common/backend';
import { OpsError } from '../../../common/errors';
import type { SecretStore } from '../connections/secret-store';

interface BackendRow {
  id: string;
  name: string;
  config_json: string;
  secrets_encrypted: Buffer | null;
  created_at: string;
  updated_at: string;
}

type StoredConfig = Omit<BackendConfig, 'id' | 'name'>;

/**
 * Backend configurations in the app's SQLite store. Secret environment values
 * are encrypted together by the SecretStore (Electron's safeStorage in the
 * desktop app) and never leave main: views carry `value: null` for them.
 */
export class BackendStore {
  private readonly db: Database.Database;
  private readonly secrets: SecretStore;
  private readonly clock: () => Date;

  constructor(options: { db: Database.Database; secrets: SecretStore; clock?: () => Date }) {
    this.db = options.db;
    this.secrets = options.secrets;
    this.clock = options.clock ?? (() => new Date());
  }

  private row(id: string): BackendRow | undefined {
    return this.db.prepare<[string], BackendRow>('SELECT * FROM backends WHERE id = ?').get(id);
  }

  private toConfig(row: BackendRow): BackendConfig {
    const stored = JSON.parse(row.config_json) as StoredConfig;
    return { ...stored, id: row.id, name: row.name };
  }

  list(): BackendConfigView[] {
    return this.db
      .prepare<[], BackendRow>('SELECT * FROM backends ORDER BY name COLLATE NOCASE')
      .all()
      .map((row) => this.toConfig(row));
  }

  get(id: string): BackendConfigView {
    const row = this.row(id);
    if (!row) {
      throw new OpsError('not_found', `There is no backend with id ${id}`, {
        hint: 'It may have been deleted; reload the Backend view.',
      });
    }
    return this.toConfig(row);
  }

  /** The secret values, decrypted. Main-process use only (the child's environment). */
  secretValues(id: string): Record<string, string> {
    const row = this.row(id);
    if (!row?.secrets_encrypted) return {};
    return JSON.parse(this.secrets.decrypt(row.secrets_encrypted)) as Record<string, string>;
  }

  save(input: BackendConfigInput): BackendConfigView {
    const parsed = backendConfigInput.parse(input);
    const existing = parsed.id ? this.row(parsed.id) : undefined;
    if (parsed.id && !existing) {
      throw new OpsError('not_found', `There is no backend with id ${parsed.id}`, {
        hint: 'It may have been deleted; create it again.',
      });
    }
    const keys = new Set<string>();
    for (const variable of parsed.env) {
      if (keys.has(variable.key)) {
        throw new OpsError('invalid_input', `The variable ${variable.key} is set twice`, {
          hint: 'Keep one entry per environment variable.',
        });
      }
      keys.add(variable.key);
      if (variable.key === 'PORT') {
        throw new OpsError('invalid_input', 'PORT is set by the port field', {
          hint: 'Remove PORT from the extra variables and set the port instead.',
        });
      }
    }
    const previousSecrets = existing ? this.secretValues(existing.id) : {};
    const secretValues: Record<string, string> = {};
    const env: BackendEnvVar[] = [];
    for (const variable of parsed.env) {
      if (!variable.secret) {
        env.push({ key: variable.key, value: variable.value ?? '', secret: false });
        continue;
      }
      const value = variable.value ?? previousSecrets[variable.key];
      if (value === undefined) {
        throw new OpsError('invalid_input', `The secret ${variable.key} has no value`, {
          hint: 'Type its value: secrets are stored encrypted and never shown again.',
        });
      }
      secretValues[variable.key] = value;
      env.push({ key: variable.key, value: null, secret: true });
    }
    let secretsEncrypted: Buffer | null = null;
    if (Object.keys(secretValues).length > 0) {
      if (!this.secrets.available) {
        throw new OpsError('unavailable', 'Secret values cannot be saved here', {
          hint: `${this.secrets.reason ?? ''} Mark the variable as not secret, or put it in the backend's .env file.`.trim(),
        });
      }
      secretsEncrypted = this.secrets.encrypt(JSON.stringify(secretValues));
    }
    const id = existing?.id ?? randomUUID();
    const { id: _omit, name, ...rest } = parsed;
    void _omit;
    const stored: StoredConfig = { ...rest, env };
    const now = this.clock().toISOString();
    try {
      this.db
        .prepare(
          `INSERT INTO backends (id, name, config_json, secrets_encrypted, created_at, updated_at)
           VALUES (@id, @name, @config_json, @secrets_encrypted, @now, @now)
           ON CONFLICT(id) DO UPDATE SET name = excluded.name, config_json = excluded.config_json,
             secrets_encrypted = excluded.secrets_encrypted, updated_at = excluded.updated_at`,
        )
        .run({ id, name, config_json: JSON.stringify(stored), secrets_encrypted: secretsEncrypted, now });
    } catch (error) {
      if (error instanceof Error && /UNIQUE constraint failed: backends.name/.test(error.message)) {
        throw new OpsError('invalid_input', `A backend named ${JSON.stringify(name)} already exists`, {
          hint: 'Choose another name.',
        });
      }
      throw error;
    }
    return this.get(id);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM backends WHERE id = ?').run(id);
  }
}
