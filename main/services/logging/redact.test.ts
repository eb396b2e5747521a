import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Redactor, redactText } from './redact';

describe('redaction', () => {
  it.each([
    ['postgres://admin:s3cr3t@db.neon.tech:5432/app', 's3cr3t'],
    ['postgresql://u:p%40ss@h/db?sslmode=require', 'p%40ss'],
    ['host=db user=x password=hunter2 dbname=y', 'hunter2'],
    ["PGPASSWORD='quoted pw' psql", 'quoted pw'],
    ['JWT_SECRET=abc.def.ghi started', 'abc.def.ghi'],
    ['GET /?token=tok_123456 HTTP/1.1', 'tok_123456'],
    ['Authorization: Bearer eyJhbGciOi.payload.sig', 'eyJhbGciOi.payload.sig'],
    ['{"password":"pa\\"ss","user":"x"}', 'pa\\"ss'],
    ['{"encrypted_private_key":"5Kb8kLf9zgWQnogidDA76Mz"}', '5Kb8kLf9zgWQnogidDA76Mz'],
    ['api_key=AKIA1234 region=x', 'AKIA1234'],
  ])('removes the secret from %s', (input, secret) => {
    const out = redactText(input);
    expect(out).not.toContain(secret);
    expect(out).toContain('***');
  });

  it('keeps ordinary text and URLs without passwords intact', () => {
    const text = 'listed 4 schemas of postgres://app@127.0.0.1:5432/app in 12 ms';
    expect(redactText(text)).toBe(text);
  });

  it('removes registered run-time secrets wherever they appear', () => {
    const redactor = new Redactor();
    redactor.addSecret('Zq9-random-token-value');
    expect(redactor.redact('cookie Zq9-random-token-value; again Zq9-random-token-value')).toBe(
      'cookie ***; again ***',
    );
  });

  it('never lets a URL password through, whatever it is', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=%-]{6,30}$/).filter((p) => !p.includes('@')),
        (password) => {
          const out = redactText(`connecting to postgres://user:${password}@example.org:5432/db`);
          expect(out).toContain('postgres://user:***@example.org');
        },
      ),
    );
  });
});
