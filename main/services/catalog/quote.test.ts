import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres';
import { quoteIdent, quoteLiteral, quoteQualified } from './quote';

describe('quoting agrees with PostgreSQL', () => {
  let db: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase('quote');
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  async function serverQuotes(names: string[]): Promise<string[]> {
    const result = await client.query<{ q: string }>(
      'SELECT quote_ident(n) AS q FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i) ORDER BY i',
      [names],
    );
    return result.rows.map((row) => row.q);
  }

  it('quotes every keyword the server quotes, and only those', async () => {
    const keywords = await client.query<{ word: string }>('SELECT word FROM pg_catalog.pg_get_keywords()');
    const words = keywords.rows.map((row) => row.word);
    expect(words.length).toBeGreaterThan(400);
    expect(words.map(quoteIdent)).toEqual(await serverQuotes(words));
  });

  it('matches quote_ident on mixed case, quotes, digits, dollars, spaces and unicode', async () => {
    const names = ['User', 'BusinessSubscription', 'user_id', '_x', '1abc', 'a$b', 'has space', 'a"b', '"', 'é', 'ok9'];
    expect(names.map(quoteIdent)).toEqual(await serverQuotes(names));
    expect(quoteQualified('public', 'User', 'emailAddress')).toBe('public."User"."emailAddress"');
  });

  it('matches quote_ident and quote_literal on arbitrary strings', async () => {
    const sample = fc.sample(fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }), {
      numRuns: 300,
      seed: 20_251_126,
    });
    const names = sample.filter((s) => !s.includes('\0'));
    expect(names.map(quoteIdent)).toEqual(await serverQuotes(names));
    const literals = await client.query<{ q: string }>(
      'SELECT quote_literal(n) AS q FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i) ORDER BY i',
      [[...names, "it's", 'back\\slash', "both\\'"]],
    );
    expect([...names, "it's", 'back\\slash', "both\\'"].map(quoteLiteral)).toEqual(literals.rows.map((r) => r.q));
  });

  it('refuses NUL characters, which no identifier or text value can hold', () => {
    expect(() => quoteIdent('a\0b')).toThrow(/NUL/);
    expect(() => quoteLiteral('a\0b')).toThrow(/NUL/);
  });
});
