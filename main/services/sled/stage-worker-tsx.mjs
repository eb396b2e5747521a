// Starts stage-worker.ts from the TypeScript sources (vitest, the CLI run
// through tsx). Node 20 applies `--import tsx` from a Worker's execArgv only
// after the entry module has been loaded, so the entry registers tsx itself.
import { register } from 'tsx/esm/api';

register();
await import('./stage-worker.ts');
