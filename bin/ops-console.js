#!/usr/bin/env node
// Runs the TypeScript CLI straight from the sources through tsx, so
// `npx ops-console` works right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../main/cli/index.ts');
process.exitCode = await runCli(process.argv);
