import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordingLogger } from './fake-electron';
import { electronNativeBinding } from './native';

let appPath: string;
const binding = () => path.join(appPath, 'build', 'electron-native', 'better_sqlite3.node');

function writeBinding(builtFor: string) {
  fs.mkdirSync(path.dirname(binding()), { recursive: true });
  fs.writeFileSync(binding(), 'not really a binary');
  fs.writeFileSync(path.join(path.dirname(binding()), 'version.json'), JSON.stringify({ electron: builtFor }));
}

beforeEach(() => {
  appPath = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-console-native-'));
});
afterEach(() => fs.rmSync(appPath, { recursive: true, force: true }));

describe('electronNativeBinding', () => {
  it('points a development run at the better-sqlite3 rebuilt for this Electron', () => {
    writeBinding('45.5.0');
    const { logger, lines } = recordingLogger();
    expect(electronNativeBinding({ appPath, isPackaged: false, electronVersion: '45.5.0', logger })).toBe(binding());
    expect(lines).toEqual([]);
  });

  it('passes nothing when packaged: electron-builder rebuilt node_modules for Electron', () => {
    writeBinding('45.5.0');
    expect(electronNativeBinding({ appPath, isPackaged: true, electronVersion: '45.5.0' })).toBeUndefined();
  });

  it('passes nothing, with a hint, when the rebuild has not been run', () => {
    const { logger, lines } = recordingLogger();
    expect(electronNativeBinding({ appPath, isPackaged: false, electronVersion: '45.5.0', logger })).toBeUndefined();
    expect(lines.map((line) => line.text).join('\n')).toContain('node scripts/electron-native.mjs');
  });

  it('warns when the rebuild was made for another Electron', () => {
    writeBinding('44.0.0');
    const { logger, lines } = recordingLogger();
    expect(electronNativeBinding({ appPath, isPackaged: false, electronVersion: '45.5.0', logger })).toBe(binding());
    expect(lines.map((line) => line.text).join('\n')).toContain('built for Electron 44.0.0, this is 45.5.0');
  });
});
