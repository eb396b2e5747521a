/**
 * PostgreSQL reports an error position as a 1-based count of characters (code
 * points, not bytes and not UTF-16 units) into the statement it received.
 * These helpers turn it into editor offsets and a line/column a person reads.
 */

export interface SqlLocation {
  /** 1-based line. */
  line: number;
  /** 1-based column, in characters. */
  column: number;
  /** UTF-16 offset where the error starts (what the editor uses). */
  from: number;
  /** UTF-16 offset where the offending token ends (at least one character when there is one). */
  to: number;
}

/** UTF-16 offset of a 1-based character position, or null when it is outside the text. */
export function offsetOfPosition(text: string, position: number): number | null {
  if (!Number.isInteger(position) || position < 1) return null;
  let offset = 0;
  let count = 1;
  for (const ch of text) {
    if (count === position) return offset;
    offset += ch.length;
    count++;
  }
  // One past the last character: "syntax error at end of input".
  return count === position ? offset : null;
}

/** 1-based line and column (in characters) of a UTF-16 offset. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  let i = 0;
  for (const ch of text) {
    if (i >= offset) break;
    if (ch === '\n') {
      line++;
      column = 1;
    } else if (ch !== '\r') {
      column++;
    }
    i += ch.length;
  }
  return { line, column };
}

const wordChar = /[\p{L}\p{N}_$]/u;

/** End of the token that starts at `from`: a word, a quoted identifier, or one character. */
export function tokenEnd(text: string, from: number): number {
  if (from >= text.length) return from;
  const first = text[from]!;
  if (first === '"' || first === "'") {
    const close = text.indexOf(first, from + 1);
    return close === -1 ? text.length : close + 1;
  }
  let end = from;
  for (const ch of text.slice(from)) {
    if (!wordChar.test(ch)) break;
    end += ch.length;
  }
  return end > from ? end : from + (text.codePointAt(from)! > 0xffff ? 2 : 1);
}

/**
 * Where an error is in the editor text. `base` is where the submitted text
 * starts in the editor (a selection was run); `fullText` is the editor text at
 * the time of the run.
 */
export function locateError(fullText: string, base: number, submitted: string, position: number): SqlLocation | null {
  const inSubmitted = offsetOfPosition(submitted, position);
  if (inSubmitted === null) return null;
  let from = base + inSubmitted;
  let to = tokenEnd(fullText, from);
  if (to === from && from > 0) {
    // At the very end: mark the last character so there is something to see.
    from -= 1;
    to = from + 1;
  }
  return { ...lineColumnAt(fullText, base + inSubmitted), from, to: Math.min(to, base + submitted.length) };
}
