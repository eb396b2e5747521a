import type { SafeStorage } from 'electron';
import { OpsError } from '../../common/errors';
import type { SecretStore } from '../services/connections/secret-store';

type Storage = Pick<
  SafeStorage,
  'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'
>;

/**
 * Saved passwords encrypted with the OS keychain (Keychain, DPAPI, libsecret
 * or KWallet) through Electron's safeStorage. Create it after 'ready': before
 * that safeStorage cannot tell whether encryption is available.
 */
export class SafeStorageSecretStore implements SecretStore {
  readonly available: boolean;
  readonly reason: string | null;
  private readonly storage: Storage;

  constructor(storage: Storage, platform: NodeJS.Platform = process.platform) {
    this.storage = storage;
    if (!storage.isEncryptionAvailable()) {
      this.available = false;
      this.reason = 'The OS keychain is not available to ops-console, so passwords cannot be saved encrypted.';
    } else if (platform === 'linux' && storage.getSelectedStorageBackend() === 'basic_text') {
      // Electron's Linux fallback encrypts with a fixed, public key: as good as plain text.
      this.available = false;
      this.reason =
        'No keyring (GNOME Keyring / KWallet) was found, so passwords cannot be saved encrypted. Start a keyring or pass --password-store.';
    } else {
      this.available = true;
      this.reason = null;
    }
  }

  encrypt(plain: string): Buffer {
    if (!this.available) {
      throw new OpsError('unavailable', 'Cannot save a password', { hint: this.reason ?? undefined });
    }
    return this.storage.encryptString(plain);
  }

  decrypt(encrypted: Buffer): string {
    if (!this.available) {
      throw new OpsError('unavailable', 'Cannot read a saved password', { hint: this.reason ?? undefined });
    }
    try {
      return this.storage.decryptString(encrypted);
    } catch (error) {
      throw new OpsError('unavailable', 'A saved password could not be decrypted', {
        hint: 'It was probably saved by another user account or machine. Enter the password again and save the profile.',
        cause: error,
      });
    }
  }
}
