/**
 * The names of every contract call and event, without zod, so the sandboxed
 * preload can check names without bundling the schemas. contract.ts asserts at
 * compile time that this list and the contract agree.
 */
export const CALL_NAMES = [
  'app.info',
  'db.listSchemas',
  'profiles.list',
  'profiles.save',
  'profiles.delete',
  'connections.connect',
  'connections.disconnect',
  'connections.status',
  'db.check',
  'localPg.status',
  'localPg.start',
  'localPg.stop',
  'schema.model',
  'schema.count',
  'schema.sizes',
  'data.page',
  'sql.run',
  'sql.cancel',
  'sql.explain',
  'ops.refreshMatview',
  'ops.runFunction',
  'migrations.status',
  'migrations.plan',
  'migrations.apply',
  'migrations.baseline',
  'migrations.resolve',
  'backend.list',
  'backend.save',
  'backend.delete',
  'backend.start',
  'backend.stop',
  'backend.restart',
  'backend.preflight',
  'backend.logs',
  'snapshot.list',
  'snapshot.show',
  'snapshot.create',
  'snapshot.cancel',
  'snapshot.rename',
  'snapshot.delete',
  'snapshot.check',
  'snapshot.export',
  'snapshot.import',
  'snapshot.diff',
  'sled.list',
  'sled.show',
  'sled.import',
  'sled.plan',
  'sled.load',
  'sled.cancel',
  'sled.report',
  'sled.delete',
  'logs.recent',
  'logs.write',
  'files.chooseOpen',
  'files.chooseSave',
] as const;

export const EVENT_NAMES = [
  'logs.line',
  'app.serviceStatus',
  'connections.status',
  'localPg.status',
  'migrations.progress',
  'backend.status',
  'backend.logs',
  'snapshot.progress',
  'sled.progress',
] as const;

/** The one IPC channel main pushes events on (webContents.send → ipcRenderer.on). */
export const EVENT_CHANNEL = 'ops-console:event';

export type CallNameList = (typeof CALL_NAMES)[number];
export type EventNameList = (typeof EVENT_NAMES)[number];

const callSet: ReadonlySet<string> = new Set(CALL_NAMES);
const eventSet: ReadonlySet<string> = new Set(EVENT_NAMES);

export function isKnownCallName(value: unknown): value is CallNameList {
  return typeof value === 'string' && callSet.has(value);
}

export function isKnownEventName(value: unknown): value is EventNameList {
  return typeof value === 'string' && eventSet.has(value);
}
