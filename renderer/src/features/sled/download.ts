/**
 * Save a value as a .json file through the browser's download: a Blob behind
 * an object URL and a link with `download`. The same in Chromium (serve mode)
 * and in Electron, which shows its save dialog for it; nothing goes to main.
 */
export function downloadJson(fileName: string, value: unknown, doc: Document = document): void {
  const blob = new Blob([`${JSON.stringify(value, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = doc.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  link.hidden = true;
  doc.body.append(link);
  try {
    link.click();
  } finally {
    link.remove();
    // The download has taken the bytes by the next task; a revoked URL frees them.
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
}

/** sled-report-<import id>.json */
export function reportFileName(importId: string): string {
  return `sled-report-${importId.replace(/[^A-Za-z0-9_-]/g, '_')}.json`;
}
