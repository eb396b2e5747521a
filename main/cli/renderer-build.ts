import fs from 'node:fs';
import path from 'node:path';
import { OpsError } from '../../common/errors';
import type { CliIo } from './context';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (!entry.name.includes('.test.')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Serve mode needs the built renderer. In a checkout, build it (once, or again
 * when its sources are newer than the build) so `npx ops-console serve` works
 * right after `npm ci`.
 */
export async function ensureRendererBuilt(rendererRoot: string, io: CliIo): Promise<string> {
  const dist = path.join(rendererRoot, 'dist');
  const index = path.join(dist, 'index.html');
  const sources = path.join(rendererRoot, 'src');
  const hasSources = fs.existsSync(sources);
  if (fs.existsSync(index)) {
    if (!hasSources) return dist;
    const built = fs.statSync(index).mtimeMs;
    const changed = Math.max(newestMtime(sources), fs.statSync(path.join(rendererRoot, 'index.html')).mtimeMs);
    if (changed <= built) return dist;
  }
  if (!hasSources) {
    throw new OpsError('unavailable', `The UI is not built and its sources are missing (${index})`, {
      hint: 'Reinstall ops-console, or run `npm run build:renderer` in a checkout.',
    });
  }
  io.stderr('Building the UI (renderer/dist)…\n');
  try {
    const vite = await import('vite');
    await vite.build({ configFile: path.join(rendererRoot, '..', 'vite.renderer.config.ts'), logLevel: 'warn' });
  } catch (error) {
    throw new OpsError('unavailable', 'Building the UI failed', {
      hint: 'Run `npm run build:renderer` to see the full error.',
      detail: error instanceof Error ? error.message : String(error),
    });
  }
  return dist;
}
