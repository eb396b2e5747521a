/**
 * What a migration statement creates, read from its leading tokens, so a
 * baseline can check that a database already holds a file's objects. Pure:
 * no I/O, no pg. This is not a SQL parser: it reads the CREATE forms below
 * and answers null for everything else.
 */
import { quoteIdent } from '../catalog/quote';
import { SqlLexer, type SqlToken } from './split';

export interface CreatedObject {
  kind:
    | 'schema'
    | 'extension'
    | 'table'
    | 'view'
    | 'materialized view'
    | 'index'
    | 'sequence'
    | 'function'
    | 'procedure'
    | 'trigger'
    | 'type';
  /**
   * As written, or null when unqualified (the caller resolves it against the
   * search_path). An index's and a trigger's schema is their table's; an
   * extension's is its WITH SCHEMA (extension names themselves are
   * database-wide); a schema's is null.
   */
  schema: string | null;
  /** The name as PostgreSQL stores it: unquoted names folded to lower case, quoted ones exact. */
  name: string;
  /** For triggers: the table it is on. */
  table?: { schema: string | null; name: string };
}

interface QualifiedName {
  schema: string | null;
  name: string;
}

/** Tokens read on demand: most statements are decided by their first two or three. */
class TokenReader {
  private readonly lexer: SqlLexer;
  private readonly tokens: SqlToken[] = [];
  private pos = 0;

  constructor(text: string) {
    this.lexer = new SqlLexer(text);
  }

  peek(ahead = 0): SqlToken | null {
    const index = this.pos + ahead;
    while (this.tokens.length <= index) {
      const token = this.lexer.next();
      if (token === null) return null;
      this.tokens.push(token);
    }
    return this.tokens[index] ?? null;
  }

  next(): SqlToken | null {
    const token = this.peek();
    if (token !== null) this.pos++;
    return token;
  }

  /** The next tokens are these unquoted words (keywords). */
  isWords(...words: string[]): boolean {
    return words.every((word, ahead) => {
      const token = this.peek(ahead);
      return token?.kind === 'word' && token.value === word;
    });
  }

  /** Consumes the words if they come next, all of them. */
  accept(...words: string[]): boolean {
    if (!this.isWords(...words)) return false;
    this.pos += words.length;
    return true;
  }

  /** Consumes one of the words if it comes next, and returns it. */
  acceptOneOf(...words: string[]): string | null {
    const token = this.peek();
    if (token?.kind !== 'word' || !words.includes(token.value)) return null;
    this.pos++;
    return token.value;
  }

  /** An identifier, unquoted (folded) or quoted; null when something else comes next. */
  identifier(): string | null {
    const token = this.peek();
    if (token?.kind === 'word') {
      this.pos++;
      return token.value;
    }
    if (token?.kind !== 'quoted identifier') return null;
    this.pos++;
    if (!token.unicode) return token.value;
    let escape = '\\';
    const clause = this.peek(1);
    if (this.isWords('uescape') && clause?.kind === 'string' && !clause.unicode) {
      escape = clause.value.slice(1, -1).replaceAll("''", "'");
      this.pos += 2;
    }
    return decodeUnicodeEscapes(token.value, escape);
  }

  /** name, schema.name or database.schema.name. */
  qualifiedName(): QualifiedName | null {
    const parts: string[] = [];
    for (;;) {
      const part = this.identifier();
      if (part === null) return null;
      parts.push(part);
      const dot = this.peek();
      if (dot?.kind !== 'punctuation' || dot.value !== '.') break;
      this.pos++;
    }
    const name = parts[parts.length - 1];
    if (name === undefined || parts.length > 3) return null;
    return { schema: parts[parts.length - 2] ?? null, name };
  }

  skipIfNotExists(): void {
    this.accept('if', 'not', 'exists');
  }
}

/**
 * The body of a U&"..." identifier with its escapes (\XXXX, \+XXXXXX, and the
 * escape character doubled) decoded, as PostgreSQL does; null when malformed.
 */
function decodeUnicodeEscapes(body: string, escape: string): string | null {
  if (escape.length !== 1 || /[0-9a-fA-F+'"\s]/.test(escape)) return null;
  let out = '';
  for (let i = 0; i < body.length;) {
    const c = body[i];
    if (c !== escape) {
      out += c;
      i++;
      continue;
    }
    if (body[i + 1] === escape) {
      out += escape;
      i += 2;
      continue;
    }
    const long = body[i + 1] === '+';
    const digits = body.slice(i + (long ? 2 : 1), i + (long ? 8 : 5));
    if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== (long ? 6 : 4)) return null;
    const code = Number.parseInt(digits, 16);
    if (code === 0 || code > 0x10ffff) return null;
    // Surrogates written as two \XXXX escapes pair up once concatenated.
    out += code <= 0xffff ? String.fromCharCode(code) : String.fromCodePoint(code);
    i += long ? 8 : 5;
  }
  return out;
}

const CURRENT_ROLES = new Set(['current_user', 'session_user', 'current_role']);

/** Objects in a session's temporary schema are gone when the session ends. */
function isTemporarySchema(schema: string | null): boolean {
  return schema !== null && /^pg_temp(_\d+)?$/.test(schema);
}

function qualified(kind: 'table' | 'view' | 'materialized view' | 'sequence' | 'function' | 'procedure' | 'type') {
  return (reader: TokenReader): CreatedObject[] | null => {
    const name = reader.qualifiedName();
    if (name === null) return null;
    if (isTemporarySchema(name.schema)) return null;
    return [{ kind, schema: name.schema, name: name.name }];
  };
}

function readSchema(reader: TokenReader): CreatedObject[] | null {
  reader.skipIfNotExists();
  if (reader.accept('authorization')) {
    // CREATE SCHEMA AUTHORIZATION role names the schema after the role.
    const role = reader.peek();
    if (role?.kind === 'word' && CURRENT_ROLES.has(role.value)) return [];
  }
  const name = reader.identifier();
  return name === null ? null : [{ kind: 'schema', schema: null, name }];
}

function readExtension(reader: TokenReader): CreatedObject[] | null {
  reader.skipIfNotExists();
  const name = reader.identifier();
  if (name === null) return null;
  reader.accept('with');
  let schema: string | null = null;
  // WITH SCHEMA, VERSION and CASCADE come in any order.
  let option = reader.acceptOneOf('schema', 'version', 'cascade');
  while (option !== null) {
    if (option === 'schema') schema = reader.identifier();
    else if (option === 'version') reader.next();
    option = reader.acceptOneOf('schema', 'version', 'cascade');
  }
  return [{ kind: 'extension', schema, name }];
}

function readIndex(reader: TokenReader): CreatedObject[] | null {
  reader.accept('concurrently');
  // ON is reserved, so an index named "on" must be quoted: a bare ON means no name.
  if (reader.isWords('on')) return [];
  reader.skipIfNotExists();
  const name = reader.identifier();
  if (name === null || !reader.accept('on')) return null;
  reader.accept('only');
  const table = reader.qualifiedName();
  if (table === null || isTemporarySchema(table.schema)) return null;
  return [{ kind: 'index', schema: table.schema, name }];
}

function readTrigger(reader: TokenReader): CreatedObject[] | null {
  const name = reader.identifier();
  if (name === null) return null;
  // BEFORE/AFTER/INSTEAD OF, then events (INSERT OR UPDATE OF a, b OR ...),
  // then ON table. Column names in UPDATE OF cannot be a bare ON: it is reserved.
  for (let token = reader.peek(); token !== null && !reader.isWords('on'); token = reader.peek()) {
    if (token.kind === 'punctuation' && (token.value === ';' || token.value === '(')) return null;
    reader.next();
  }
  if (!reader.accept('on')) return null;
  const table = reader.qualifiedName();
  if (table === null || isTemporarySchema(table.schema)) return null;
  return [{ kind: 'trigger', schema: table.schema, name, table }];
}

/**
 * What a single statement creates, from its leading tokens (comments
 * skipped): CREATE SCHEMA, EXTENSION, [UNLOGGED|FOREIGN] TABLE, [MATERIALIZED]
 * VIEW, INDEX, SEQUENCE, FUNCTION, PROCEDURE, [CONSTRAINT] TRIGGER and TYPE,
 * with their OR REPLACE / IF NOT EXISTS forms.
 *
 * [] when it creates something that cannot be checked by name (an index with
 * no name, CREATE SCHEMA AUTHORIZATION CURRENT_USER). null when it creates
 * nothing checkable: any other statement (GRANT, ALTER, COMMENT, INSERT, DO,
 * SET, other CREATEs), temporary objects (gone with the session), and text
 * that cannot be read.
 *
 * Only the statement's own object is reported: the tables inside CREATE
 * SCHEMA ... CREATE TABLE ..., or the sequences a serial column makes, are not.
 */
export function createdObjects(statementText: string): CreatedObject[] | null {
  const reader = new TokenReader(statementText);
  try {
    return readCreate(reader);
  } catch {
    // Only the lexer throws (an unterminated quote): not a statement splitSql returns.
    return null;
  }
}

function readCreate(reader: TokenReader): CreatedObject[] | null {
  if (!reader.accept('create')) return null;
  reader.accept('or', 'replace');
  if (reader.accept('constraint', 'trigger') || reader.accept('trigger')) return readTrigger(reader);
  if (reader.accept('unique', 'index') || reader.accept('index')) return readIndex(reader);

  reader.acceptOneOf('global', 'local');
  // TEMP tables, views and sequences are gone when the session ends.
  if (reader.acceptOneOf('temp', 'temporary') !== null) return null;
  reader.accept('unlogged');
  reader.accept('recursive');

  const kind = reader.acceptOneOf(
    'schema',
    'extension',
    'table',
    'foreign',
    'view',
    'materialized',
    'sequence',
    'function',
    'procedure',
    'type',
  );
  if (kind === null) return null;

  switch (kind) {
    case 'schema':
      return readSchema(reader);
    case 'extension':
      return readExtension(reader);
    case 'foreign':
      if (!reader.accept('table')) return null;
      reader.skipIfNotExists();
      return qualified('table')(reader);
    case 'materialized':
      if (!reader.accept('view')) return null;
      reader.skipIfNotExists();
      return qualified('materialized view')(reader);
    case 'table':
    case 'sequence':
      reader.skipIfNotExists();
      return qualified(kind)(reader);
    case 'view':
    case 'function':
    case 'procedure':
    case 'type':
      return qualified(kind)(reader);
    default:
      return null;
  }
}

function qualifiedText(schema: string | null, name: string): string {
  return schema === null ? quoteIdent(name) : `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/**
 * `table ai.cache_entries`, `index ai.idx_x`, `schema ai`, `extension
 * pgcrypto`, `trigger trg on ai.memory_facts`: identifiers quoted where
 * PostgreSQL would need it.
 */
export function describeObject(o: CreatedObject): string {
  switch (o.kind) {
    case 'schema':
    case 'extension':
      return `${o.kind} ${quoteIdent(o.name)}`;
    case 'trigger':
      return o.table === undefined
        ? `trigger ${quoteIdent(o.name)}`
        : `trigger ${quoteIdent(o.name)} on ${qualifiedText(o.table.schema, o.table.name)}`;
    default:
      return `${o.kind} ${qualifiedText(o.schema, o.name)}`;
  }
}
