import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres';
import { firstLine, lineColumnAt, splitSql, SplitError, statementPositionToFile, type SqlStatement } from './split';

const texts = (sql: string) => splitSql(sql).map((s) => s.text);

/** Line and column of every character, counted the naive way: an oracle for the cursor arithmetic. */
function naivePositions(sql: string): Array<{ offset: number; line: number; column: number }> {
  const out: Array<{ offset: number; line: number; column: number }> = [];
  let line = 1;
  let column = 1;
  let offset = 0;
  for (const ch of sql) {
    out.push({ offset, line, column });
    if (ch === '\n') {
      line++;
      column = 1;
    } else {
      column++;
    }
    offset += ch.length;
  }
  out.push({ offset, line, column });
  return out;
}

function splitError(sql: string): SplitError {
  try {
    splitSql(sql);
  } catch (error) {
    if (error instanceof SplitError) return error;
    throw error;
  }
  throw new Error('splitSql did not throw');
}

describe('splitSql: statements and their text', () => {
  it('splits on semicolons and reports each statement with offsets and position', () => {
    const sql = 'SELECT 1;\nSELECT 2;';
    expect(splitSql(sql)).toEqual<SqlStatement[]>([
      { index: 0, text: 'SELECT 1', start: 0, end: 8, line: 1, column: 1 },
      { index: 1, text: 'SELECT 2', start: 10, end: 18, line: 2, column: 1 },
    ]);
  });

  it('keeps a last statement that has no semicolon', () => {
    expect(texts('CREATE SCHEMA ai;\nCREATE TABLE ai.t (id int)\n')).toEqual([
      'CREATE SCHEMA ai',
      'CREATE TABLE ai.t (id int)',
    ]);
  });

  it('drops empty and comment-only statements and numbers the rest without gaps', () => {
    const sql = ';;\n-- just a note;\n;\n/* nothing */;  SELECT 1;\n;\nSELECT 2;\n-- the end\n';
    const statements = splitSql(sql);
    expect(statements.map((s) => [s.index, s.text])).toEqual([
      [0, 'SELECT 1'],
      [1, 'SELECT 2'],
    ]);
    expect(splitSql('')).toEqual([]);
    expect(splitSql('  \n\t-- only a comment\n/* and another */\n')).toEqual([]);
  });

  it('starts the text at the first token (leading comments excluded) and trims trailing whitespace only', () => {
    const sql = '-- header\n/* block */  \n  SELECT 1 /* inside */ + 2 -- trailing note\n  ;';
    const [statement] = splitSql(sql);
    expect(statement?.text).toBe('SELECT 1 /* inside */ + 2 -- trailing note');
    expect(statement?.line).toBe(3);
    expect(statement?.column).toBe(3);
  });

  it('keeps a no-break space at the end of a statement: PostgreSQL reads it as part of an identifier', () => {
    expect(texts('SELECT x\u00a0;')).toEqual(['SELECT x\u00a0']);
  });

  it('ignores semicolons in single-quoted strings, with the doubled-quote escape', () => {
    expect(texts("INSERT INTO t VALUES ('a;b', 'it''s; ok', ''';'); SELECT 2")).toEqual([
      "INSERT INTO t VALUES ('a;b', 'it''s; ok', ''';')",
      'SELECT 2',
    ]);
  });

  it('treats a backslash in a plain string as an ordinary character (standard_conforming_strings)', () => {
    expect(texts("SELECT 'C:\\'; SELECT 2")).toEqual(["SELECT 'C:\\'", 'SELECT 2']);
  });

  it('honours backslash escapes in E strings, upper or lower case', () => {
    expect(texts("SELECT E'it\\'s; here'; SELECT e'\\\\'; SELECT E'a''b;c'; SELECT 4")).toEqual([
      "SELECT E'it\\'s; here'",
      "SELECT e'\\\\'",
      "SELECT E'a''b;c'",
      'SELECT 4',
    ]);
  });

  it('reads a word ending in e before a string as an identifier, not an E prefix', () => {
    // date'...' is a typed literal: the backslash does not escape the quote.
    expect(texts("SELECT date'2024-01-01\\'; SELECT 2")).toEqual(["SELECT date'2024-01-01\\'", 'SELECT 2']);
  });

  it('handles U&\'...\' strings and U&"..." identifiers', () => {
    expect(texts(`SELECT U&'d\\0061t;a''x' UESCAPE '!'; SELECT u&"col;""x" FROM t; SELECT 3`)).toEqual([
      `SELECT U&'d\\0061t;a''x' UESCAPE '!'`,
      'SELECT u&"col;""x" FROM t',
      'SELECT 3',
    ]);
  });

  it('handles bit, hex and national string prefixes', () => {
    expect(texts("SELECT B'01', X'1F', N'a;b'; SELECT 2")).toEqual(["SELECT B'01', X'1F', N'a;b'", 'SELECT 2']);
  });

  it('ignores semicolons in double-quoted identifiers, with the doubled-quote escape', () => {
    expect(texts('CREATE TABLE "we;ird" ("a""b;" int); SELECT 2')).toEqual([
      'CREATE TABLE "we;ird" ("a""b;" int)',
      'SELECT 2',
    ]);
  });

  it('ignores semicolons, quotes and comment markers in dollar-quoted bodies', () => {
    const fn = `CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- it's fine; really
  RAISE NOTICE 'x;y'; /* not a comment start
  RETURN NEW;
END;
$$`;
    expect(texts(`${fn};\nSELECT 2;`)).toEqual([fn, 'SELECT 2']);
  });

  it('closes a tagged dollar quote only on the same tag, which is case-sensitive', () => {
    const body = "$fn$ SELECT $$;$$; SELECT $Fn$;$Fn$; 'x $fn$";
    expect(texts(`DO ${body}; SELECT 2`)).toEqual([`DO ${body}`, 'SELECT 2']);
    expect(texts('SELECT $a1$;$a1$, $_b$;$_b$; SELECT 2')).toEqual(['SELECT $a1$;$a1$, $_b$;$_b$', 'SELECT 2']);
  });

  it('does not take $1 parameters or identifiers containing $ for dollar quotes', () => {
    expect(texts('SELECT $1; SELECT $2::int; SELECT 3')).toEqual(['SELECT $1', 'SELECT $2::int', 'SELECT 3']);
    // $ inside an identifier is part of it: foo$$bar is one name, not a dollar quote.
    expect(texts('SELECT foo$$bar; SELECT x$; SELECT 3')).toEqual(['SELECT foo$$bar', 'SELECT x$', 'SELECT 3']);
    // A $ that opens no tag ($1abc$ cannot be one) is an operator character.
    expect(texts('SELECT $ ; SELECT 2')).toEqual(['SELECT $', 'SELECT 2']);
  });

  it('ends a line comment at a lone carriage return too, as the server does', () => {
    expect(texts('SELECT 1 -- note\r; SELECT 2')).toEqual(['SELECT 1 -- note', 'SELECT 2']);
  });

  it('ignores semicolons and quotes in line comments', () => {
    expect(texts("SELECT 1 -- don't; stop\n, 2;\nSELECT 3 -- x;\r\n;")).toEqual([
      "SELECT 1 -- don't; stop\n, 2",
      'SELECT 3 -- x;',
    ]);
  });

  it('ignores semicolons in nested block comments', () => {
    expect(texts("SELECT /* a /* b; */ c; ' */ 1; SELECT /**/ 2; SELECT 3 /* x *//* y; */")).toEqual([
      "SELECT /* a /* b; */ c; ' */ 1",
      'SELECT /**/ 2',
      'SELECT 3 /* x *//* y; */',
    ]);
  });

  it('does not see comments inside strings, or strings inside comments', () => {
    expect(texts("SELECT '--;', '/*;'; SELECT \"--\" -- ';\n; SELECT 3")).toEqual([
      "SELECT '--;', '/*;'",
      'SELECT "--" -- \';',
      'SELECT 3',
    ]);
  });

  it('keeps semicolons inside parentheses, as psql does for multi-action rules', () => {
    const rule = 'CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))';
    expect(texts(`${rule}; SELECT 2`)).toEqual([rule, 'SELECT 2']);
    // A stray closing parenthesis does not make the depth negative.
    expect(texts('SELECT 1); SELECT 2')).toEqual(['SELECT 1)', 'SELECT 2']);
  });
});

describe('splitSql: SQL-standard routine bodies', () => {
  it('keeps BEGIN ATOMIC ... END in one statement, CASE ... END inside included', () => {
    const fn = `CREATE FUNCTION ai.score(x int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  INSERT INTO ai.log VALUES (x);
  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;
END`;
    expect(texts(`${fn};\nSELECT 2;`)).toEqual([fn, 'SELECT 2']);
  });

  it('handles CREATE OR REPLACE PROCEDURE, any case, with a comment between BEGIN and ATOMIC', () => {
    const proc = 'create or replace procedure p() language sql Begin /* why */ Atomic insert into t values (1); eNd';
    expect(texts(`${proc}; SELECT 2`)).toEqual([proc, 'SELECT 2']);
  });

  it('tracks nested CASE expressions in the body', () => {
    const fn =
      'CREATE FUNCTION f(a int) RETURNS int BEGIN ATOMIC SELECT CASE WHEN a = 1 THEN CASE WHEN a > 0 THEN 1 END ELSE 2 END; SELECT 3; END';
    expect(texts(`${fn}; SELECT 4`)).toEqual([fn, 'SELECT 4']);
  });

  it('does not count CASE or END inside parentheses in the body', () => {
    const fn = 'CREATE FUNCTION f(a int) RETURNS int BEGIN ATOMIC SELECT (CASE WHEN a = 1 THEN 1 END); END';
    expect(texts(`${fn}; SELECT 2`)).toEqual([fn, 'SELECT 2']);
  });

  it('splits transaction blocks, DO blocks and CASE outside routine bodies normally', () => {
    expect(texts('BEGIN; SELECT CASE WHEN true THEN 1 END; END; DO $$ BEGIN PERFORM 1; END $$; COMMIT')).toEqual([
      'BEGIN',
      'SELECT CASE WHEN true THEN 1 END',
      'END',
      'DO $$ BEGIN PERFORM 1; END $$',
      'COMMIT',
    ]);
  });

  it('needs ATOMIC after BEGIN: a function named begin does not swallow what follows', () => {
    expect(
      texts('CREATE FUNCTION begin() RETURNS int LANGUAGE sql RETURN 1; SELECT begin(); CREATE TABLE t (a int)'),
    ).toEqual([
      'CREATE FUNCTION begin() RETURNS int LANGUAGE sql RETURN 1',
      'SELECT begin()',
      'CREATE TABLE t (a int)',
    ]);
  });

  it('only looks for BEGIN ATOMIC in CREATE [OR REPLACE] FUNCTION or PROCEDURE', () => {
    expect(texts('SELECT begin atomic; SELECT 2; SELECT 3 END; SELECT 4')).toEqual([
      'SELECT begin atomic',
      'SELECT 2',
      'SELECT 3 END',
      'SELECT 4',
    ]);
  });
});

describe('line and column reporting', () => {
  it('counts lines through multi-line dollar bodies and comments', () => {
    const sql = [
      '/* header',
      '   spanning; lines */',
      'CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $body$',
      'BEGIN',
      '  PERFORM 1;',
      'END;',
      '$body$;',
      '-- comment; with semicolon',
      '   CREATE TABLE t (a int);',
      "SELECT 'multi",
      "line'; SELECT 3;",
    ].join('\n');
    expect(splitSql(sql).map((s) => [s.line, s.column])).toEqual([
      [3, 1],
      [9, 4],
      [10, 1],
      [11, 8],
    ]);
  });

  it('counts a CRLF as one line break', () => {
    const sql = 'SELECT 1;\r\n\r\n  SELECT 2;\r\n/* c\r\n */ SELECT 3;\r\n';
    const statements = splitSql(sql);
    expect(statements.map((s) => [s.text, s.line, s.column])).toEqual([
      ['SELECT 1', 1, 1],
      ['SELECT 2', 3, 3],
      ['SELECT 3', 5, 5],
    ]);
    for (const s of statements) expect(sql.slice(s.start, s.end)).toBe(s.text);
  });

  it('counts columns in characters: an astral character is one column but two offsets', () => {
    const sql = "SELECT '😀'; SELECT 2";
    const second = splitSql(sql)[1];
    expect(second?.start).toBe(13);
    // 12 characters before it: one column past them, where UTF-16 units would say 14.
    expect(second?.column).toBe(13);
  });

  it('skips a byte order mark at the start of the file and gives it no column', () => {
    const sql = '\uFEFFCREATE SCHEMA ai;\nSELECT 2';
    const [first] = splitSql(sql);
    expect(first).toMatchObject({ text: 'CREATE SCHEMA ai', start: 1, line: 1, column: 1 });
    // Elsewhere U+FEFF is an identifier character, as for the server.
    expect(texts('SELECT a\uFEFF;')).toEqual(['SELECT a\uFEFF']);
  });

  it('lineColumnAt agrees with a naive count for every offset', () => {
    const sql = 'ab\r\nc😀d\n\nxyz';
    for (const { offset, line, column } of naivePositions(sql)) {
      expect(lineColumnAt(sql, offset)).toEqual({ line, column });
    }
    expect(lineColumnAt(sql, sql.length)).toEqual({ line: 4, column: 4 });
  });

  it('lineColumnAt refuses offsets outside the text', () => {
    expect(() => lineColumnAt('abc', -1)).toThrow(RangeError);
    expect(() => lineColumnAt('abc', 4)).toThrow(RangeError);
    expect(() => lineColumnAt('abc', 1.5)).toThrow(RangeError);
  });
});

describe('statementPositionToFile', () => {
  const sql = [
    '-- 002_ai_tables.sql',
    'CREATE TABLE ai.a (id int);',
    '',
    'CREATE TABLE ai.cache_entries (',
    '  id bigserial PRIMARY KEY,',
    '  cache_key varchar(255) NOT NULL,',
    '  value jsonb NOT NUL',
    ');',
  ].join('\n');

  it("maps PostgreSQL's 1-based character position to the file's line and column", () => {
    const statement = splitSql(sql)[1];
    if (!statement) throw new Error('expected two statements');
    const position = statement.text.indexOf('NUL\n') + 1;
    expect(statementPositionToFile(statement, sql, position)).toEqual({ line: 7, column: 19 });
    expect(statementPositionToFile(statement, sql, 1)).toEqual({ line: 4, column: 1 });
  });

  it('clamps positions past the end (syntax error at end of input) and before the start', () => {
    const statement = splitSql(sql)[1];
    if (!statement) throw new Error('expected two statements');
    const end = lineColumnAt(sql, statement.end);
    expect(statementPositionToFile(statement, sql, [...statement.text].length + 1)).toEqual(end);
    expect(statementPositionToFile(statement, sql, 10_000)).toEqual(end);
    expect(statementPositionToFile(statement, sql, 0)).toEqual({ line: 4, column: 1 });
  });

  it('counts the position in characters, as PostgreSQL does, across astral characters and CRLF', () => {
    const source = "SELECT 1;\r\nSELECT '😀😀',\r\n  nope FROM t";
    const statement = splitSql(source)[1];
    if (!statement) throw new Error('expected two statements');
    // Characters: SELECT(6) space(1) '😀😀'(4) ,(1) \r(1) \n(1) space space(2): "nope" is character 17.
    expect(statementPositionToFile(statement, source, 17)).toEqual({ line: 3, column: 3 });
  });

  it('agrees with a naive character count for every position of every statement', () => {
    const source = '/* x */ SELECT \'é😀;\'\n, 1;\r\n\r\nSELECT $$\n😀$$ , "q"\t;x';
    const positions = naivePositions(source);
    for (const statement of splitSql(source)) {
      const first = positions.findIndex((p) => p.offset === statement.start);
      const characters = [...statement.text].length;
      for (let position = 1; position <= characters; position++) {
        const expected = positions[first + position - 1];
        expect(statementPositionToFile(statement, source, position)).toEqual({
          line: expected?.line,
          column: expected?.column,
        });
      }
    }
  });

  it('refuses a statement that does not come from the source', () => {
    const statement = splitSql('SELECT 1')[0];
    if (!statement) throw new Error('expected a statement');
    expect(() => statementPositionToFile(statement, 'SELECT 2', 1)).toThrow(RangeError);
  });
});

describe('unterminated quotes and comments', () => {
  it.each([
    ["SELECT 1;\nSELECT 'abc;\nSELECT 2;", 'quoted string', 2, 8],
    ["SELECT E'abc\\';", 'escape string', 1, 8],
    ["SELECT U&'abc", 'Unicode string', 1, 8],
    ['SELECT "abc', 'quoted identifier', 1, 8],
    ['SELECT U&"abc', 'quoted identifier', 1, 8],
    ['SELECT 1;\r\n  /* a /* b */ SELECT 2;', 'block comment', 2, 3],
  ] as const)('reports %j as an unterminated %s', (sql, construct, line, column) => {
    const error = splitError(sql);
    expect(error.construct).toBe(construct);
    expect({ line: error.line, column: error.column }).toEqual({ line, column });
    expect(error.message).toBe(`Unterminated ${construct} starting at line ${line}, column ${column}`);
  });

  it('names the dollar quote tag that never closes', () => {
    const error = splitError('CREATE FUNCTION f() AS $body$\nBEGIN\nEND;\n$$;\n$Body$;');
    expect(error.message).toBe('Unterminated dollar-quoted string $body$ starting at line 1, column 24');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('SplitError');
  });

  it('reports the position after earlier multi-line constructs', () => {
    const error = splitError("SELECT $$\n;\n$$;\n/* x\n*/ SELECT 'é', \"unclosed");
    expect([error.line, error.column]).toEqual([5, 16]);
  });
});

describe('firstLine', () => {
  it('returns the first line of a multi-line statement, trailing whitespace trimmed', () => {
    expect(firstLine('CREATE TABLE ai.t (  \r\n  id int\n)')).toBe('CREATE TABLE ai.t (');
    expect(firstLine('SELECT 1')).toBe('SELECT 1');
  });

  it('skips blank lines before the first text', () => {
    expect(firstLine('\n  \n  SELECT 1\nFROM t')).toBe('SELECT 1');
  });

  it('cuts a long line to at most max characters with an ellipsis', () => {
    const long = `INSERT INTO t VALUES (${'1, '.repeat(200)}1)`;
    const summary = firstLine(long);
    expect(summary).toHaveLength(200);
    expect(summary.endsWith('…')).toBe(true);
    expect(long.startsWith(summary.slice(0, -1))).toBe(true);
    expect(firstLine('abcdef', 4)).toBe('abc…');
    expect(firstLine('abcd', 4)).toBe('abcd');
  });

  it('never cuts a surrogate pair in half', () => {
    expect(firstLine('ab😀cd', 4)).toBe('ab…');
    expect(() => firstLine('x', 0)).toThrow(RangeError);
  });
});

// The split is what the server accepts statement by statement, and an error's
// position lands where an editor shows the mistake.
describe('splitSql against PostgreSQL', () => {
  let db: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase('split');
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  const migration = [
    '\uFEFF-- 005_functions.sql: every quoting form in one file',
    'CREATE SCHEMA ai;',
    'CREATE TABLE ai."Log;Entries" (id int, note text);\r',
    '/* a /* nested */ comment; */',
    "INSERT INTO ai.\"Log;Entries\" VALUES (1, 'it''s; fine'), (2, E'back\\'slash;'), (3, U&'\\0041;');",
    'CREATE FUNCTION ai.bump(x int) RETURNS int LANGUAGE plpgsql AS $fn$',
    'BEGIN',
    '  -- a comment; inside the body',
    "  RETURN x + 1; -- 'quote",
    'END;',
    '$fn$;',
    'CREATE FUNCTION ai.sign(x int) RETURNS text LANGUAGE sql',
    'BEGIN ATOMIC',
    "  SELECT CASE WHEN x > 0 THEN 'pos' ELSE 'non-pos' END;",
    'END;',
    'CREATE RULE log_dup AS ON INSERT TO ai."Log;Entries" WHERE NEW.id < 0',
    '  DO INSTEAD (INSERT INTO ai."Log;Entries" VALUES (0, $$a$$); INSERT INTO ai."Log;Entries" VALUES (0, $$b$$));',
    'SELECT ai.bump(1), ai.sign(-1)',
  ].join('\n');

  it('sends statements one at a time that the server runs in order', async () => {
    const statements = splitSql(migration);
    expect(statements).toHaveLength(7);
    for (const statement of statements) await client.query(statement.text);
    const rows = await client.query<{ note: string }>('SELECT note FROM ai."Log;Entries" ORDER BY id');
    expect(rows.rows.map((r) => r.note)).toEqual(["it's; fine", "back'slash;", 'A;']);
    const last = await client.query<{ bump: number; sign: string }>(statements[6]?.text ?? '');
    expect(last.rows).toEqual([{ bump: 2, sign: 'non-pos' }]);
    expect(statements.map((s) => s.line)).toEqual([2, 3, 5, 6, 12, 16, 18]);
  });

  it("maps the server's error position to the offending line and column of the file", async () => {
    const broken = [
      "-- 'header'; comment",
      'CREATE TABLE ok (a int);',
      '',
      "  INSERT INTO ok VALUES ('😀😀',",
      '    $$x$$, nosuchcolumn);',
    ].join('\r\n');
    const statement = splitSql(broken)[1];
    if (!statement) throw new Error('expected two statements');
    await client.query('CREATE TABLE ok (a text, b text, c text)');
    const error: unknown = await client.query(statement.text).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const position = Number((error as { position?: string }).position);
    expect(position).toBeGreaterThan(0);
    expect(statementPositionToFile(statement, broken, position)).toEqual({ line: 5, column: 12 });
  });
});

// ---------------------------------------------------------------------------
// Property tests: scripts built from fragments whose split is known.

/** A fragment of a statement, with how it may be followed. */
interface Fragment {
  text: string;
  /** A line comment must be followed by a line break. */
  lineComment?: true;
}

// Single characters, plus sequences that look like the ends of other quotes.
const plainChar = fc.constantFrom(
  ...'abc xyz;,.()*/-+$"\'\\é\n\t'.split(''),
  '😀',
  "''",
  '""',
  '$$',
  '$Fn$',
  '$fn$',
  '$a$',
  '--',
  '/*',
  '*/',
  "E'",
);
const bodyText = fc.string({ unit: plainChar, maxLength: 12 });
const keywords = new Set(['begin', 'atomic', 'case', 'end', 'create', 'function', 'procedure']);

const word = fc
  .stringMatching(/^[a-zA-Z_][a-zA-Z0-9_$]{0,7}$/)
  .filter((w) => !keywords.has(w.toLowerCase()))
  .map((text): Fragment => ({ text }));
const numberFragment = fc.nat().map((n): Fragment => ({ text: String(n) }));
const operator = fc
  .constantFrom(',', '=', '+', '*', '/', '<>', '::', '.', '$1', '$23')
  .map((text): Fragment => ({ text }));
const parenthesised = fc
  .array(fc.stringMatching(/^[a-z][a-z0-9]{0,4}$/), { minLength: 0, maxLength: 3 })
  .map((words): Fragment => ({ text: `(${words.join(', ')})` }));
const singleQuoted = bodyText.map((s): Fragment => ({ text: `'${s.replaceAll("'", "''")}'` }));
const escapeString = fc
  .tuple(fc.constantFrom('E', 'e'), bodyText)
  .map(([prefix, s]): Fragment => ({ text: `${prefix}'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'` }));
const unicodeString = bodyText.map((s): Fragment => ({ text: `U&'${s.replaceAll("'", "''")}'` }));
const quotedIdentifier = bodyText
  .filter((s) => s.length > 0)
  .map((s): Fragment => ({ text: `"${s.replaceAll('"', '""')}"` }));
const dollarBody = fc
  .tuple(fc.constantFrom('', 'a', 'body', 'x_1', 'Fn'), bodyText)
  .map(([tag, s]) => ({ delimiter: `$${tag}$`, s }))
  // The body must not close the quote early.
  .filter(({ delimiter, s }) => (s + delimiter).indexOf(delimiter) === s.length)
  .map(({ delimiter, s }): Fragment => ({ text: `${delimiter}${s}${delimiter}` }));
const lineComment = bodyText
  // Trailing blanks would be trimmed when the comment ends a statement.
  .filter((s) => !s.includes('\n') && !/[ \t]$/.test(s))
  .map((s): Fragment => ({ text: `--${s}`, lineComment: true }));
const blockComment = fc
  .tuple(bodyText, bodyText)
  .filter(([a, b]) => !/\/\*|\*\//.test(a + '\0' + b) && !a.endsWith('/') && !a.endsWith('*') && !b.startsWith('*'))
  .map(([a, b]): Fragment => ({ text: `/*${a}/* ${b} */*/` }));

const token = fc.oneof(
  { arbitrary: word, weight: 4 },
  numberFragment,
  operator,
  parenthesised,
  singleQuoted,
  escapeString,
  unicodeString,
  quotedIdentifier,
  dollarBody,
);
const comment = fc.oneof(lineComment, blockComment);
const anyFragment = fc.oneof({ arbitrary: token, weight: 4 }, comment);
const space = fc.constantFrom(' ', '\n', '\t', '\r\n', '  \n ');

/** A statement: comments before it, a first token, then tokens and comments. */
const statementShape = fc.record({
  leading: fc.array(comment, { maxLength: 2 }),
  first: token,
  rest: fc.array(anyFragment, { maxLength: 6 }),
});

/** Joins fragments with whitespace, a line break after a line comment. */
function join(fragments: Fragment[], spaces: string[]): string {
  let out = '';
  fragments.forEach((fragment, i) => {
    if (i > 0) {
      const previous = fragments[i - 1];
      const sep = spaces[i % spaces.length] ?? ' ';
      out += previous?.lineComment && !sep.includes('\n') ? '\n' : sep;
    }
    out += fragment.text;
  });
  return out;
}

const script = fc.record({
  statements: fc.array(statementShape, { minLength: 1, maxLength: 6 }),
  // Comment-only statements between real ones, to be dropped.
  fillers: fc.array(fc.array(comment, { maxLength: 2 }), { maxLength: 6 }),
  spaces: fc.array(space, { minLength: 1, maxLength: 5 }),
  finalSemicolon: fc.boolean(),
});

describe('splitSql properties', () => {
  it('returns exactly the generated statements, with offsets into the script', () => {
    fc.assert(
      fc.property(script, ({ statements, fillers, spaces, finalSemicolon }) => {
        let sql = '';
        const expected: Array<{ text: string; start: number }> = [];
        statements.forEach((shape, i) => {
          const filler = fillers[i];
          if (filler && filler.length > 0) sql += `${join(filler, spaces)}\n;\n`;
          const leading = join(shape.leading, spaces);
          if (leading) sql += `${leading}\n`;
          sql += spaces[i % spaces.length] ?? '';
          const text = join([shape.first, ...shape.rest], spaces);
          expected.push({ text, start: sql.length });
          sql += text;
          const last = shape.rest[shape.rest.length - 1];
          const isLast = i === statements.length - 1;
          if (isLast && !finalSemicolon) {
            sql += last?.lineComment ? '\n' : '';
          } else {
            sql += `${last?.lineComment ? '\n' : ' '};`;
          }
        });

        const actual = splitSql(sql);
        expect(actual.map((s) => ({ text: s.text, start: s.start }))).toEqual(expected);
        const positions = naivePositions(sql);
        for (const [i, s] of actual.entries()) {
          expect(s.index).toBe(i);
          expect(sql.slice(s.start, s.end)).toBe(s.text);
          const at = positions.find((p) => p.offset === s.start);
          expect([s.line, s.column]).toEqual([at?.line, at?.column]);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on input without quotes or comments, and matches a plain split on ";"', () => {
    const unit = fc.constantFrom(...'ab zé😀\n\r\t;;,.+-*/=1'.split(''), '😀');
    const input = fc.string({ unit, maxLength: 80 }).filter((s) => !s.includes('--') && !s.includes('/*'));
    fc.assert(
      fc.property(input, (sql) => {
        const actual = splitSql(sql);
        // Without quotes, comments, parentheses or routine bodies every ; ends a statement.
        const expected: Array<{ text: string; start: number }> = [];
        let from = 0;
        for (const part of sql.split(';')) {
          const lead = part.length - part.replace(/^[ \t\n\r]+/, '').length;
          const text = part.trim();
          if (text) expected.push({ text: part.slice(lead).replace(/[ \t\n\r]+$/, ''), start: from + lead });
          from += part.length + 1;
        }
        expect(actual.map((s) => ({ text: s.text, start: s.start }))).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws when parentheses are unbalanced, and keeps every statement inside the input', () => {
    const unit = fc.constantFrom(...'ab z\n;()(,1'.split(''));
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 60 }), (sql) => {
        let previousEnd = 0;
        for (const s of splitSql(sql)) {
          expect(s.start).toBeGreaterThanOrEqual(previousEnd);
          expect(s.text.length).toBeGreaterThan(0);
          expect(sql.slice(s.start, s.end)).toBe(s.text);
          previousEnd = s.end;
        }
      }),
      { numRuns: 500 },
    );
  });
});
