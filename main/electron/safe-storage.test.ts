import { describe, expect, it } from 'vitest';
import { OpsError } from '../../common/errors';
import { SafeStorageSecretStore } from './safe-storage';

type Backend = 'basic_text' | 'gnome_libsecret' | 'kwallet' | 'kwallet5' | 'kwallet6' | 'unknown';

/** A keychain stand-in: reversible, and visibly not the plain text. */
function keychain(options: { available?: boolean; backend?: Backend; failDecrypt?: boolean } = {}) {
  return {
    isEncryptionAvailable: () => options.available ?? true,
    getSelectedStorageBackend: (): Backend => options.backend ?? 'gnome_libsecret',
    encryptString: (plain: string) => Buffer.from(`enc:${Buffer.from(plain).toString('base64')}`),
    decryptString: (encrypted: Buffer) => {
      if (options.failDecrypt)
        throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(encrypted.toString().slice(4), 'base64').toString();
    },
  };
}

describe('SafeStorageSecretStore', () => {
  it('round-trips a password through the keychain without storing the plain text', () => {
    const store = new SafeStorageSecretStore(keychain(), 'linux');
    expect(store.available).toBe(true);
    const encrypted = store.encrypt('hunter2');
    expect(encrypted.toString()).not.toContain('hunter2');
    expect(store.decrypt(encrypted)).toBe('hunter2');
  });

  it.each([
    ['no keychain at all', keychain({ available: false }), 'linux', 'not available'],
    ["Linux's fixed-key fallback", keychain({ backend: 'basic_text' }), 'linux', 'No keyring'],
  ] as const)('refuses to save with %s, and says why', (_label, storage, platform, reason) => {
    const store = new SafeStorageSecretStore(storage, platform);
    expect(store.available).toBe(false);
    expect(store.reason).toContain(reason);
    expect(() => store.encrypt('hunter2')).toThrow(OpsError);
  });

  it('trusts the keychain on macOS and Windows, where there is no fixed-key fallback', () => {
    expect(new SafeStorageSecretStore(keychain({ backend: 'unknown' }), 'darwin').available).toBe(true);
  });

  it('reports an undecryptable password as unavailable with a hint, not a raw error', () => {
    const store = new SafeStorageSecretStore(keychain({ failDecrypt: true }), 'win32');
    let thrown: unknown;
    try {
      store.decrypt(Buffer.from('whatever'));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(OpsError);
    expect((thrown as OpsError).kind).toBe('unavailable');
    expect((thrown as OpsError).hint).toContain('Enter the password again');
  });
});
