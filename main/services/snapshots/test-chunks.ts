/** Splits a buffer at the given offsets (any order, duplicates allowed): COPY data as chunks cut anywhere. */
export function splitAt(buffer: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buffer.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    pieces.push(buffer.subarray(start, point));
    start = point;
  }
  pieces.push(buffer.subarray(start));
  return pieces;
}
