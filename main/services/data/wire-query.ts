import type pg from 'pg';
import type { CellValue } from '../../../common/data';
import { parseCell } from './values';

/** A column as the server describes it in a RowDescription message. */
export interface WireField {
  name: string;
  tableID: number;
  columnID: number;
  dataTypeID: number;
  dataTypeModifier: number;
}

export interface WireResult {
  /** The command tag without its counts: "SELECT", "INSERT", "CREATE TABLE"; '' for an empty query. */
  command: string;
  /** The count from the command tag, when it has one. */
  rowCount: number | null;
  fields: WireField[];
  rows: CellValue[][];
  /** More rows existed than were kept. */
  truncated: boolean;
}

/**
 * The parts of pg's Connection this query drives, typed as they behave at run
 * time (the Execute row limit is a number; @types/pg declares a string).
 */
interface WireConnection {
  query(text: string): void;
  parse(query: { text: string }): void;
  bind(config: { values: [] }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(config: { rows: number }): void;
  sync(): void;
  sendCopyFail(message: string): void;
  stream: { cork?: () => void; uncork?: () => void };
}

export interface WireQueryOptions {
  /**
   * extended: one statement only (the server refuses several in one Parse),
   * and the server stops after maxRows + 1 rows (Execute with a row limit).
   * simple: any number of statements; the last result is kept, rows past
   * maxRows are read and dropped.
   */
  protocol: 'extended' | 'simple';
  maxRows: number;
}

interface Building {
  fields: WireField[];
  rows: CellValue[][];
  truncated: boolean;
  command: string | null;
  rowCount: number | null;
}

function parseTag(tag: string): { command: string; rowCount: number | null } {
  const match = /^(.*?)((?: \d+)+)?$/.exec(tag);
  const counts = match?.[2]?.trim().split(' ') ?? [];
  const last = counts[counts.length - 1];
  return { command: match?.[1] ?? tag, rowCount: last === undefined ? null : Number(last) };
}

/**
 * A node-postgres Submittable (the interface pg-cursor is built on) that runs
 * user SQL with a row cap and keeps every value as PostgreSQL's text (see
 * parseCell). pg-cursor and pg-query-stream are not dependencies; this is the
 * few messages they handle, for one bounded read.
 */
export class WireQuery implements pg.Submittable {
  readonly text: string;
  readonly result: Promise<WireResult>;
  private readonly options: WireQueryOptions;
  private current: Building | null = null;
  private settled = false;
  private resolve!: (result: WireResult) => void;
  private reject!: (error: unknown) => void;

  constructor(text: string, options: WireQueryOptions) {
    this.text = text;
    this.options = options;
    this.result = new Promise<WireResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: pg.Connection): void {
    const wire = connection as unknown as WireConnection;
    if (this.options.protocol === 'simple') {
      wire.query(this.text);
      return;
    }
    wire.stream.cork?.();
    try {
      wire.parse({ text: this.text });
      wire.bind({ values: [] });
      wire.describe({ type: 'P', name: '' });
      // One more row than asked for tells us whether the result was cut.
      wire.execute({ rows: this.options.maxRows + 1 });
      wire.sync();
    } finally {
      wire.stream.uncork?.();
    }
  }

  private startResult(fields: WireField[]): Building {
    this.current = { fields, rows: [], truncated: false, command: null, rowCount: null };
    return this.current;
  }

  /** The result being built, or a fresh one when the last has completed (several statements). */
  private open(): Building {
    return this.current && this.current.command === null ? this.current : this.startResult([]);
  }

  handleRowDescription(message: { fields: WireField[] }): void {
    this.startResult(message.fields);
  }

  handleDataRow(message: { fields: (string | null)[] }): void {
    if (this.settled) return;
    const current = this.open();
    if (current.rows.length >= this.options.maxRows) {
      current.truncated = true;
      return;
    }
    try {
      current.rows.push(message.fields.map((text, i) => parseCell(current.fields[i]?.dataTypeID ?? 0, text)));
    } catch (error) {
      this.fail(error);
    }
  }

  handleCommandComplete(message: { text: string }): void {
    const current = this.open();
    const tag = parseTag(message.text);
    current.command = tag.command;
    current.rowCount = tag.rowCount;
  }

  handlePortalSuspended(): void {
    // The row limit was reached: the server holds more rows we will not read.
    // No command tag comes with a suspended portal; only row-returning statements get here.
    const current = this.open();
    current.truncated = true;
    current.command = 'SELECT';
    current.rowCount = null;
  }

  handleEmptyQuery(): void {
    const current = this.open();
    current.command = '';
  }

  handleCopyInResponse(connection: pg.Connection): void {
    (connection as unknown as WireConnection).sendCopyFail('COPY FROM STDIN is not supported in the SQL console');
  }

  handleCopyData(): void {
    // COPY TO STDOUT: the data is not shown.
  }

  handleError(error: unknown): void {
    this.fail(error);
  }

  handleReadyForQuery(): void {
    if (this.settled) return;
    this.settled = true;
    const last = this.current ?? { fields: [], rows: [], truncated: false, command: '', rowCount: null };
    this.resolve({
      command: last.command ?? '',
      rowCount: last.rowCount,
      fields: last.fields,
      rows: last.rows,
      truncated: last.truncated,
    });
  }

  private fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }
}
