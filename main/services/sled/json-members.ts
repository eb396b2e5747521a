/**
 * The top-level members of a JSON object as spans of its text, for what
 * JSON.parse cannot give: the exact digits of a u64 (JSON.parse rounds past
 * 2^53), whether a field repeats (serde rejects a duplicate field, JSON.parse
 * keeps the last), and where a wallet's secret is, to replace it with null.
 *
 * Only for text that JSON.parse has already accepted as an object: the
 * scanner trusts the syntax and only finds boundaries.
 */

export interface JsonMember {
  /** The member name, unescaped. */
  name: string;
  /** The value's span in the text: [start, end). */
  start: number;
  end: number;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/** The index just after the string that opens at `quote`. */
function skipString(text: string, quote: number): number {
  let i = quote + 1;
  for (;;) {
    const close = text.indexOf('"', i);
    if (close < 0) return text.length;
    // A quote preceded by an odd number of backslashes is escaped.
    let backslashes = 0;
    for (let j = close - 1; j > quote && text.charCodeAt(j) === 0x5c; j--) backslashes++;
    if (backslashes % 2 === 0) return close + 1;
    i = close + 1;
  }
}

/** The index just after the value that starts at `start`. */
function skipValue(text: string, start: number): number {
  const first = text.charCodeAt(start);
  if (first === 0x22) return skipString(text, start);
  if (first === 0x7b || first === 0x5b) {
    let depth = 0;
    let i = start;
    while (i < text.length) {
      const code = text.charCodeAt(i);
      if (code === 0x22) {
        i = skipString(text, i);
        continue;
      }
      if (code === 0x7b || code === 0x5b) depth++;
      else if (code === 0x7d || code === 0x5d) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return text.length;
  }
  // A number or a literal: up to the next separator.
  let i = start;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 0x2c || code === 0x7d || code === 0x5d || isSpace(code)) break;
    i++;
  }
  return i;
}

/** Members of the object `text` (already validated by JSON.parse), in order, duplicates included. */
export function jsonMembers(text: string): JsonMember[] {
  const members: JsonMember[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  };
  skipSpace();
  if (text.charCodeAt(i) !== 0x7b) return members;
  i++;
  for (;;) {
    skipSpace();
    if (i >= text.length || text.charCodeAt(i) !== 0x22) return members;
    const nameStart = i;
    i = skipString(text, i);
    const raw = text.slice(nameStart, i);
    const name = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
    skipSpace();
    i++; // ':'
    skipSpace();
    const start = i;
    i = skipValue(text, i);
    members.push({ name, start, end: i });
    skipSpace();
    if (text.charCodeAt(i) !== 0x2c) return members;
    i++;
  }
}
