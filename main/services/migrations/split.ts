/**
 * Splits a migration file into statements the way psql does, so the runner can
 * send them one at a time, report progress per statement and point an error
 * at the file's line and column. Pure: no I/O, no pg.
 *
 * The lexical rules are PostgreSQL's (src/backend/parser/scan.l) with
 * standard_conforming_strings on: plain '...' strings know only the ''
 * escape, E'...' strings also take backslash escapes. psql's own additions
 * (backslash commands, :variables) are not part of a migration file and are
 * not recognised.
 */

/** One statement of a script. */
export interface SqlStatement {
  /** 0-based, counting only the statements kept. */
  index: number;
  /**
   * The source text from the statement's first token up to, not including,
   * its terminating `;`, trailing whitespace trimmed. Comments inside or after
   * the last token are kept; leading ones are not.
   */
  text: string;
  /** 0-based UTF-16 offsets of `text` in the script: `sql.slice(start, end) === text`. */
  start: number;
  end: number;
  /** 1-based line and column (in characters, i.e. code points) of `start`. */
  line: number;
  column: number;
}

export type UnterminatedConstruct =
  'quoted string' | 'escape string' | 'Unicode string' | 'quoted identifier' | 'dollar-quoted string' | 'block comment';

/** The script cannot be split: a quote or comment never ends. */
export class SplitError extends Error {
  /** What never ends. */
  readonly construct: UnterminatedConstruct;
  /** 0-based UTF-16 offset, and 1-based line and column, where it starts. */
  readonly offset: number;
  readonly line: number;
  readonly column: number;

  constructor(construct: UnterminatedConstruct, sql: string, offset: number, tag?: string) {
    const { line, column } = lineColumnAt(sql, offset);
    const what = tag === undefined ? construct : `${construct} ${tag}`;
    super(`Unterminated ${what} starting at line ${line}, column ${column}`);
    this.name = 'SplitError';
    this.construct = construct;
    this.offset = offset;
    this.line = line;
    this.column = column;
  }
}

export type SqlTokenKind =
  'word' | 'quoted identifier' | 'string' | 'dollar string' | 'number' | 'parameter' | 'punctuation';

export interface SqlToken {
  kind: SqlTokenKind;
  /** 0-based UTF-16 offsets of the token's source text. */
  start: number;
  end: number;
  /**
   * word: folded to lower case as PostgreSQL folds identifiers (ASCII letters
   * only). quoted identifier: the name, "" unescaped (for a U&"..." one, the
   * Unicode escapes are left as written: see `unicode`). punctuation: the
   * character. Others: the source text.
   */
  value: string;
  /** A U&'...' string or U&"..." identifier. */
  unicode?: true;
}

const enum Ch {
  Tab = 0x09,
  Newline = 0x0a,
  VerticalTab = 0x0b,
  FormFeed = 0x0c,
  Return = 0x0d,
  Space = 0x20,
  DoubleQuote = 0x22,
  Dollar = 0x24,
  Ampersand = 0x26,
  Quote = 0x27,
  Star = 0x2a,
  Minus = 0x2d,
  Slash = 0x2f,
  Digit0 = 0x30,
  Digit9 = 0x39,
  UpperA = 0x41,
  UpperZ = 0x5a,
  Backslash = 0x5c,
  Underscore = 0x5f,
  LowerA = 0x61,
  LowerZ = 0x7a,
}

/**
 * Editors on Windows may start a UTF-8 file with U+FEFF. The server would take
 * it for part of an identifier, so the splitter skips it, and it takes no
 * column: editors do not show it.
 */
const BYTE_ORDER_MARK = 0xfeff;

function isSpace(c: number): boolean {
  return (
    c === Ch.Space || c === Ch.Tab || c === Ch.Newline || c === Ch.Return || c === Ch.FormFeed || c === Ch.VerticalTab
  );
}

function isDigit(c: number): boolean {
  return c >= Ch.Digit0 && c <= Ch.Digit9;
}

/** scan.l's ident_start: a letter, `_`, or any non-ASCII character. */
function isIdentStart(c: number): boolean {
  return (c >= Ch.LowerA && c <= Ch.LowerZ) || (c >= Ch.UpperA && c <= Ch.UpperZ) || c === Ch.Underscore || c >= 0x80;
}

/** scan.l's dolq_cont: what may follow the first character of a dollar-quote tag. */
function isTagCont(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}

/** scan.l's ident_cont: identifiers may contain `$` after their first character. */
function isIdentCont(c: number): boolean {
  return isTagCont(c) || c === Ch.Dollar;
}

/** PostgreSQL folds unquoted identifiers by lower-casing ASCII letters only. */
export function foldIdentifier(word: string): string {
  return word.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/**
 * PostgreSQL's tokens, comments and whitespace skipped. Throws SplitError on
 * a quote or comment that never ends. Operators come out one character at a
 * time as punctuation, which is all splitting and name reading need.
 */
export class SqlLexer {
  private pos = 0;

  constructor(private readonly sql: string) {}

  /** Offset just past the last token read (or the skipped text after it, at the end). */
  get offset(): number {
    return this.pos;
  }

  next(): SqlToken | null {
    const sql = this.sql;
    this.skipSpaceAndComments();
    const start = this.pos;
    if (start >= sql.length) return null;
    const c = sql.charCodeAt(start);
    const c1 = sql.charCodeAt(start + 1);

    if (c === Ch.Quote) return this.quoted(start, start, 'string', 'quoted string', false);
    if (c === Ch.DoubleQuote) return this.quoted(start, start, 'quoted identifier', 'quoted identifier', false);
    if (c === Ch.Dollar) return this.dollar(start);
    if (isDigit(c)) {
      let i = start + 1;
      // Digits, letters (exponents, 0x, trailing junk) and `_` separators; a
      // `.` only between digits. The exact number does not matter here.
      for (; i < sql.length; i++) {
        const d = sql.charCodeAt(i);
        if (isTagCont(d)) continue;
        if (d === 0x2e && isDigit(sql.charCodeAt(i + 1))) continue;
        break;
      }
      this.pos = i;
      return { kind: 'number', start, end: i, value: sql.slice(start, i) };
    }
    if (isIdentStart(c)) {
      // String prefixes: E'..', U&'..', U&"..", B'..', X'..', N'..'. A longer
      // word ending in one of these letters is an identifier followed by a
      // string, as in the server's lexer.
      const lower = c | 0x20;
      if (c1 === Ch.Quote) {
        if (lower === 0x65) return this.quoted(start, start + 1, 'string', 'escape string', true);
        if (lower === 0x62 || lower === 0x78 || lower === 0x6e) {
          return this.quoted(start, start + 1, 'string', 'quoted string', false);
        }
      }
      if (lower === 0x75 && c1 === Ch.Ampersand) {
        const c2 = sql.charCodeAt(start + 2);
        if (c2 === Ch.Quote) return this.quoted(start, start + 2, 'string', 'Unicode string', false, true);
        if (c2 === Ch.DoubleQuote) {
          return this.quoted(start, start + 2, 'quoted identifier', 'quoted identifier', false, true);
        }
      }
      let i = start + 1;
      while (i < sql.length && isIdentCont(sql.charCodeAt(i))) i++;
      this.pos = i;
      return { kind: 'word', start, end: i, value: foldIdentifier(sql.slice(start, i)) };
    }
    this.pos = start + 1;
    return { kind: 'punctuation', start, end: start + 1, value: sql[start] ?? '' };
  }

  private skipSpaceAndComments(): void {
    const sql = this.sql;
    let i = this.pos;
    for (;;) {
      const c = sql.charCodeAt(i);
      if (isSpace(c) || (i === 0 && c === BYTE_ORDER_MARK)) {
        i++;
      } else if (c === Ch.Minus && sql.charCodeAt(i + 1) === Ch.Minus) {
        // To the end of the line; the line break itself is whitespace.
        i += 2;
        while (i < sql.length) {
          const d = sql.charCodeAt(i);
          if (d === Ch.Newline || d === Ch.Return) break;
          i++;
        }
      } else if (c === Ch.Slash && sql.charCodeAt(i + 1) === Ch.Star) {
        const start = i;
        let depth = 1;
        i += 2;
        while (depth > 0) {
          if (i >= sql.length) throw new SplitError('block comment', sql, start);
          const d = sql.charCodeAt(i);
          const d1 = sql.charCodeAt(i + 1);
          if (d === Ch.Slash && d1 === Ch.Star) {
            depth++;
            i += 2;
          } else if (d === Ch.Star && d1 === Ch.Slash) {
            depth--;
            i += 2;
          } else {
            i++;
          }
        }
      } else {
        break;
      }
    }
    this.pos = i;
  }

  /**
   * A quoted string or identifier whose opening quote is at `quote` (after
   * any prefix starting at `start`). The closing quote doubled is an escaped
   * quote; with `backslash`, so is any character after a backslash.
   */
  private quoted(
    start: number,
    quote: number,
    kind: 'string' | 'quoted identifier',
    construct: UnterminatedConstruct,
    backslash: boolean,
    unicode = false,
  ): SqlToken {
    const sql = this.sql;
    const q = sql.charCodeAt(quote);
    let i = quote + 1;
    for (;;) {
      if (i >= sql.length) throw new SplitError(construct, sql, start);
      const c = sql.charCodeAt(i);
      if (backslash && c === Ch.Backslash) {
        i += 2;
      } else if (c === q) {
        if (sql.charCodeAt(i + 1) !== q) break;
        i += 2;
      } else {
        i++;
      }
    }
    const end = i + 1;
    this.pos = end;
    const value = kind === 'quoted identifier' ? sql.slice(quote + 1, i).replaceAll('""', '"') : sql.slice(start, end);
    return unicode ? { kind, start, end, value, unicode } : { kind, start, end, value };
  }

  /** A parameter ($1), a dollar-quoted string ($$..$$, $tag$..$tag$) or a lone `$`. */
  private dollar(start: number): SqlToken {
    const sql = this.sql;
    let i = start + 1;
    if (isDigit(sql.charCodeAt(i))) {
      while (isDigit(sql.charCodeAt(i))) i++;
      this.pos = i;
      return { kind: 'parameter', start, end: i, value: sql.slice(start, i) };
    }
    if (isIdentStart(sql.charCodeAt(i))) {
      i++;
      while (i < sql.length && isTagCont(sql.charCodeAt(i))) i++;
    }
    if (sql.charCodeAt(i) !== Ch.Dollar) {
      this.pos = start + 1;
      return { kind: 'punctuation', start, end: start + 1, value: '$' };
    }
    const delimiter = sql.slice(start, i + 1);
    // The server's lexer retries every `$` in the body as a delimiter, so the
    // first occurrence of the exact opening delimiter closes the string.
    const close = sql.indexOf(delimiter, i + 1);
    if (close < 0) throw new SplitError('dollar-quoted string', sql, start, delimiter);
    const end = close + delimiter.length;
    this.pos = end;
    return { kind: 'dollar string', start, end, value: sql.slice(start, end) };
  }
}

/**
 * Walks a text forward, keeping the line and column of an offset. Offsets
 * passed to `at` must not decrease; each call costs only the text between it
 * and the previous one.
 */
class LineCursor {
  private offset = 0;
  private line = 1;
  private column = 1;

  constructor(private readonly text: string) {}

  at(offset: number): { line: number; column: number } {
    const text = this.text;
    for (let i = this.offset; i < offset; i++) {
      const c = text.charCodeAt(i);
      if (i === 0 && c === BYTE_ORDER_MARK) continue;
      if (c === Ch.Newline) {
        this.line++;
        this.column = 1;
      } else if (isHighSurrogate(c) && i + 1 < offset && isLowSurrogate(text.charCodeAt(i + 1))) {
        // One character, two UTF-16 units.
        i++;
        this.column++;
      } else {
        this.column++;
      }
    }
    this.offset = Math.max(this.offset, offset);
    return { line: this.line, column: this.column };
  }
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function checkOffset(text: string, offset: number, what: string): void {
  if (!Number.isInteger(offset) || offset < 0 || offset > text.length) {
    throw new RangeError(`${what} ${offset} is outside 0..${text.length}`);
  }
}

/**
 * 1-based line and column of a 0-based UTF-16 offset. Lines end at \n (so a
 * \r\n is one line break); columns count characters (code points), as
 * PostgreSQL counts its error positions. A byte order mark at offset 0 takes
 * no column.
 */
export function lineColumnAt(sql: string, offset: number): { line: number; column: number } {
  checkOffset(sql, offset, 'Offset');
  return new LineCursor(sql).at(offset);
}

/** PostgreSQL's whitespace, which ends a statement's text (a no-break space does not: it is an identifier character). */
function trimSpaceEnd(sql: string, from: number, to: number): number {
  let end = to;
  while (end > from && isSpace(sql.charCodeAt(end - 1))) end--;
  return end;
}

/** A SQL-standard routine body (BEGIN ATOMIC) is only possible in CREATE [OR REPLACE] FUNCTION|PROCEDURE. */
function isRoutineHead(words: readonly string[]): boolean {
  const routine = (word: string | undefined) => word === 'function' || word === 'procedure';
  if (words[0] !== 'create') return false;
  return routine(words[1]) || (words[1] === 'or' && words[2] === 'replace' && routine(words[3]));
}

/**
 * The statements of a PostgreSQL script, in order. A `;` ends a statement
 * unless it is inside a string, quoted identifier, dollar-quoted body,
 * comment, parentheses (as in psql: a multi-action CREATE RULE), or the
 * BEGIN ATOMIC ... END body of CREATE FUNCTION/PROCEDURE. Empty and
 * comment-only statements are dropped; a last statement without `;` is kept.
 *
 * Where psql counts every BEGIN in a CREATE FUNCTION, this counts only
 * BEGIN ATOMIC, so a function or column named `begin` does not swallow the
 * statements after it. Inside such a body CASE ... END is counted too (outside
 * parentheses, like psql).
 *
 * @throws SplitError when a string, identifier, dollar quote or block comment never ends.
 */
export function splitSql(sql: string): SqlStatement[] {
  const statements: SqlStatement[] = [];
  const lexer = new SqlLexer(sql);
  const cursor = new LineCursor(sql);

  let first: SqlToken | null = null;
  let words: string[] = [];
  let previousWord: string | null = null;
  let parenDepth = 0;
  let bodyDepth = 0;

  const finish = (terminator: number) => {
    if (first !== null) {
      const start = first.start;
      const end = trimSpaceEnd(sql, start, terminator);
      const { line, column } = cursor.at(start);
      statements.push({ index: statements.length, text: sql.slice(start, end), start, end, line, column });
    }
    first = null;
    words = [];
    previousWord = null;
    parenDepth = 0;
    bodyDepth = 0;
  };

  for (let token = lexer.next(); token !== null; token = lexer.next()) {
    if (token.kind === 'punctuation') {
      previousWord = null;
      if (token.value === ';') {
        if (parenDepth === 0 && bodyDepth === 0) {
          finish(token.start);
          continue;
        }
      } else if (token.value === '(') {
        parenDepth++;
      } else if (token.value === ')' && parenDepth > 0) {
        parenDepth--;
      }
    } else if (token.kind === 'word') {
      const word = token.value;
      if (words.length < 4) words.push(word);
      if (parenDepth === 0) {
        if (word === 'atomic' && previousWord === 'begin' && isRoutineHead(words)) bodyDepth++;
        else if (word === 'case' && bodyDepth > 0) bodyDepth++;
        else if (word === 'end' && bodyDepth > 0) bodyDepth--;
      }
      previousWord = word;
    } else {
      previousWord = null;
    }
    first ??= token;
  }
  finish(sql.length);
  return statements;
}

/**
 * Maps PostgreSQL's error `position` (1-based, in characters, into the
 * statement's text as sent) to the file's 1-based line and column. A position
 * past the end (as in "syntax error at end of input") maps to the end of the
 * statement; one before the start, to its start.
 */
export function statementPositionToFile(
  statement: SqlStatement,
  source: string,
  position: number,
): { line: number; column: number } {
  if (!Number.isInteger(position)) throw new RangeError(`Position ${position} is not an integer`);
  checkOffset(source, statement.start, 'Statement start');
  checkOffset(source, statement.end, 'Statement end');
  if (source.slice(statement.start, statement.end) !== statement.text) {
    throw new RangeError(`Statement ${statement.index} does not come from this source`);
  }
  const text = statement.text;
  let offset = 0;
  for (let character = 1; character < position && offset < text.length; character++) {
    const pair = isHighSurrogate(text.charCodeAt(offset)) && isLowSurrogate(text.charCodeAt(offset + 1));
    offset += pair ? 2 : 1;
  }
  return lineColumnAt(source, statement.start + offset);
}

/**
 * A statement's first non-blank line, trailing whitespace trimmed, for
 * progress display: at most `max` UTF-16 units, cut with `…` when longer
 * (never inside a surrogate pair).
 */
export function firstLine(text: string, max = 200): string {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${max}`);
  const lines = text.split('\n');
  const line = lines.find((candidate) => candidate.trim() !== '') ?? '';
  const trimmed = line.slice(0, trimSpaceEnd(line, 0, line.length)).replace(/^[ \t\f\v\r]+/, '');
  if (trimmed.length <= max) return trimmed;
  let cut = max - 1;
  if (isHighSurrogate(trimmed.charCodeAt(cut - 1))) cut--;
  return `${trimmed.slice(0, cut)}…`;
}
