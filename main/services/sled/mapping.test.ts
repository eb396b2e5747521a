/** The pure record → row mapping. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SLED_NAMESPACE } from '../../../common/sled';
import { uuidV5 } from './load-test-support';
import { cacheRow, type EntryOrigin, mintRow, printableKey, UserIds, unixToIso, walletRow } from './mapping';

const origin: EntryOrigin = {
  importId: 'imp',
  entryId: 3,
  source: 'wallets',
  tree: '__sled__default',
  key: 'wallet:alice_123',
  asOf: '2024-06-01T12:00:00Z',
};

describe('mapping', () => {
  const ids = new UserIds(DEFAULT_SLED_NAMESPACE);

  it('maps user ids to UUIDv5 under the namespace, as UTF-8', () => {
    for (const name of ['alice_123', 'INV-LOCAL-001', 'ünïcødé', '']) {
      expect(ids.user(name)).toBe(uuidV5(name, DEFAULT_SLED_NAMESPACE));
    }
    expect(ids.session('alice_123')).toBe(uuidV5('session:alice_123', DEFAULT_SLED_NAMESPACE));
    expect(ids.openingBalanceTxId('alice_123')).toBe('sled-opening-balance-fe45d849-a062-5285-905a-7798a85f9cca');
    const other = new UserIds('6ba7b811-9dad-11d1-80b4-00c04fd430c8');
    expect(other.user('alice_123')).toBe(uuidV5('alice_123', '6ba7b811-9dad-11d1-80b4-00c04fd430c8'));
    expect(other.user('alice_123')).not.toBe(ids.user('alice_123'));
  });

  it('dates cache entries and adds the TTL exactly', () => {
    const row = cacheRow(
      {
        cache_key: 'k',
        query: 'q',
        response: 'r',
        model: 'm',
        cached_at: '253402300799',
        hit_count: 1,
        quality_score: null,
      },
      3600,
    );
    expect(row.cachedAt).toBe('9999-12-31T23:59:59.000Z');
    expect(row.expiresAt).toBe('+010000-01-01T00:59:59.000Z');
    expect(unixToIso('-62135596800')).toBe('0001-01-01T00:00:00.000Z');
  });

  it('marks secrets and never carries them', () => {
    const record = {
      user_id: 'alice_123',
      pubkey: 'P',
      has_secret: true,
      chain: 'solana',
      created_at: '0',
      wallet_type: 'Managed' as const,
    };
    expect(walletRow(record, origin, ids, 'encrypt').metadata.secret).toBe('encrypted');
    expect(walletRow(record, origin, ids, 'encrypt').wantsSecret).toBe(true);
    expect(walletRow(record, origin, ids, 'skip').metadata.secret).toBe('left_out');
    expect(walletRow({ ...record, has_secret: false }, origin, ids, 'encrypt').wantsSecret).toBe(false);
    expect(walletRow({ ...record, has_secret: false }, origin, ids, 'encrypt').metadata.secret).toBe('none');
  });

  it('mints to the wallet key or the user, and flags a zero total', () => {
    const balance = { user_id: 'bob', total: '0', locked: '0', available: '0' };
    const row = mintRow(balance, origin, ids, null);
    expect(row).toMatchObject({
      zero: true,
      toAddress: `user:${uuidV5('bob', DEFAULT_SLED_NAMESPACE)}`,
      createdAt: origin.asOf,
    });
    expect(mintRow({ ...balance, total: '18446744073709551615' }, origin, ids, 'KEY')).toMatchObject({
      zero: false,
      toAddress: 'KEY',
      amount: '18446744073709551615',
    });
  });

  it('shows keys as text when they are, else hex, shortened', () => {
    expect(printableKey(Buffer.from('balance:alice'))).toBe('balance:alice');
    expect(printableKey(Buffer.from([0xff, 0x00, 0x41]))).toBe('0xff0041');
    expect(printableKey(Buffer.from('a\nb'))).toBe('0x610a62');
    expect(printableKey(Buffer.from('x'.repeat(300)))).toHaveLength(200);
    expect(printableKey(null)).toBeNull();
  });
});
