/**
 * The layering of HOUSE_STYLE.md is enforced by ESLint's restricted imports.
 * These cases prove the rules bite (and do not bite where imports are allowed).
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const cases: Array<[string, string, boolean]> = [
  ['common/probe.ts', "import fs from 'node:fs';", true],
  ['common/probe.ts', "import { app } from 'electron';", true],
  ['common/probe.ts', "import { createApp } from '../main/app';", true],
  ['common/probe.ts', "import { z } from 'zod';", false],
  ['renderer/src/probe.ts', "import { ipcRenderer } from 'electron';", true],
  ['renderer/src/probe.ts', "import { spawn } from 'child_process';", true],
  ['renderer/src/probe.ts', "import pg from 'pg';", true],
  ['renderer/src/probe.ts', "import { createRouter } from '../../main/rpc/router';", true],
  ['renderer/src/probe.ts', "import { contract } from '../../common/contract';", false],
  ['main/probe.ts', "import { app } from 'electron';", true],
  ['main/electron/probe.ts', "import { app } from 'electron';", false],
  ['main/services/probe.ts', "import { HttpTransport } from '../server/http-server';", true],
  ['main/services/probe.ts', "import { createRouter } from '../rpc/router';", true],
  ['main/services/probe.ts', "import pg from 'pg';", false],
  ['preload/probe.ts', "import fs from 'node:fs';", true],
  ['preload/probe.ts', "import { contextBridge } from 'electron';", false],
];

describe('layering rules', () => {
  it.each(cases)('%s: %s restricted=%s', async (filePath, code, restricted) => {
    const messages = await restrictedImports(filePath, `${code}\nexport {};\n`);
    expect(messages.length > 0).toBe(restricted);
  });
});
