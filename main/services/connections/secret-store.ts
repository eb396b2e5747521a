import { OpsError } from '../../../common/errors';

/**
 * Encrypts secrets (profile passwords) at rest. The desktop app provides one
 * backed by Electron's safeStorage; the CLI and serve mode have none, and read
 * passwords from the URL, PGPASSWORD or ~/.pgpass instead.
 */
export interface SecretStore {
  /** Whether secrets can be saved; when false, `reason` says why and what to do. */
  readonly available: boolean;
  readonly reason: string | null;
  encrypt(plain: string): Buffer;
  decrypt(encrypted: Buffer): string;
}

export class NoSecretStore implements SecretStore {
  readonly available = false;
  readonly reason: string;

  constructor(reason = 'Passwords can only be saved by the desktop app (encrypted with the OS keychain).') {
    this.reason = reason;
  }

  encrypt(): Buffer {
    throw new OpsError('unavailable', 'Cannot save a password here', {
      hint: `${this.reason} Use PGPASSWORD or ~/.pgpass, or put the password in the URL you pass with --url.`,
    });
  }

  decrypt(): string {
    throw new OpsError('unavailable', 'Cannot read a saved password here', {
      hint: `${this.reason} Use PGPASSWORD or ~/.pgpass instead.`,
    });
  }
}
