import { OpsError } from '../../common/errors';

/**
 * Where a worker entry lives for how the calling module runs: from the
 * TypeScript sources (vitest, the CLI through tsx) through `<name>-tsx.mjs`, a
 * bootstrap that registers tsx; beside the CLI bundle (dist/cli/*.mjs) as
 * `<name>.mjs`; beside the Electron bundle (dist/main/*.cjs) as `<name>.cjs`.
 */
export function workerEntryUrl(name: string, moduleUrl: string | undefined, option: string): URL {
  if (!moduleUrl) {
    throw new OpsError('internal', `The ${name} cannot be located`, {
      hint: `Pass ${option} when this module is bundled without import.meta.url.`,
    });
  }
  if (moduleUrl.endsWith('.ts')) return new URL(`./${name}-tsx.mjs`, moduleUrl);
  if (moduleUrl.endsWith('.cjs')) return new URL(`./${name}.cjs`, moduleUrl);
  return new URL(`./${name}.mjs`, moduleUrl);
}
