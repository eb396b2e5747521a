import type { SecretStore } from '../../main/services/connections/secret-store';

/**
 * A reversible test cipher standing in for Electron's safeStorage. What the
 * tests check is that the SQLite file never holds the plain text.
 */
export class FakeKeychain implements SecretStore {
  readonly available = true;
  readonly reason = null;
  encrypt(plain: string): Buffer {
    return Buffer.from(Buffer.from(plain, 'utf8').map((b) => b ^ 0x5a));
  }
  decrypt(encrypted: Buffer): string {
    return Buffer.from(encrypted.map((b) => b ^ 0x5a)).toString('utf8');
  }
}
