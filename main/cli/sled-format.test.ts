import { describe, expect, it } from 'vitest';
import { sampleLine, type SledFamily } from '../../common/sled';
import { entriesLine, fodi } from './sled';

const none: Record<SledFamily, number> = {
  balance: 0,
  wallet: 0,
  ai_cache: 0,
  conversation: 0,
  memory: 0,
  preference: 0,
};

describe('the sled commands’ summary lines', () => {
  it('lists the families, then the problems, without empty parts', () => {
    expect(
      entriesLine({ entries: 9, byFamily: { ...none, balance: 2, wallet: 1 }, problems: { unknown_key: 2 } }),
    ).toBe('9: 2 balance, 1 wallet; 2 with problems');
    expect(entriesLine({ entries: 3, byFamily: { ...none, balance: 3 }, problems: {} })).toBe('3: 3 balance');
    expect(entriesLine({ entries: 2, byFamily: none, problems: { bad_entry: 1, invalid_json: 1 } })).toBe(
      '2: 2 with problems',
    );
    expect(entriesLine({ entries: 0, byFamily: none, problems: {} })).toBe('0 (no entries in the files)');
  });

  it('prints FODI amounts from units of 1e-9 without losing a digit', () => {
    expect(fodi('3500000000123')).toBe('3500.000000123');
    expect(fodi('18446744073709551615')).toBe('18446744073.709551615');
  });
});

describe('a problem’s example line', () => {
  it('says where once, whether or not the reason starts with it', () => {
    expect(sampleLine({ origin: 'line 7', reason: 'line 7 is not valid JSON: it has an unexpected character' })).toBe(
      'line 7 is not valid JSON: it has an unexpected character',
    );
    expect(sampleLine({ origin: 'line 7', reason: 'line 7: its key_b64 is not base64' })).toBe(
      'line 7: its key_b64 is not base64',
    );
    expect(sampleLine({ origin: 'line 7', reason: 'the key matches no known pattern' })).toBe(
      'line 7: the key matches no known pattern',
    );
    // "line 70" does not start with where "line 7" is.
    expect(sampleLine({ origin: 'line 7', reason: 'line 70: other' })).toBe('line 7: line 70: other');
    expect(sampleLine({ origin: 'entry 3 of collection 1', reason: null })).toBe('entry 3 of collection 1');
  });
});
