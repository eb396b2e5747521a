import { describe, expect, it } from 'vitest';
import { defaultDataDir } from './paths';

describe('defaultDataDir', () => {
  it('matches Electron userData locations per platform', () => {
    expect(defaultDataDir({}, 'linux', '/home/ana')).toBe('/home/ana/.config/ops-console');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/ana')).toBe('/xdg/ops-console');
    expect(defaultDataDir({ XDG_CONFIG_HOME: 'relative' }, 'linux', '/home/ana')).toBe('/home/ana/.config/ops-console');
    expect(defaultDataDir({}, 'darwin', '/Users/ana')).toBe('/Users/ana/Library/Application Support/ops-console');
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ana')).toBe(
      'C:\\Users\\ana\\AppData\\Roaming\\ops-console',
    );
  });

  it('honours OPS_CONSOLE_DATA_DIR', () => {
    expect(defaultDataDir({ OPS_CONSOLE_DATA_DIR: '/srv/ops' }, 'linux', '/home/ana')).toBe('/srv/ops');
  });
});
