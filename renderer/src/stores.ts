/**
 * The renderer's composition root: builds one store per feature over the API
 * client and exposes narrow hooks. Store factories take plain functions, so
 * their logic runs under test without a DOM or a transport.
 */
import { useStore } from 'zustand';
import { api } from './api/client';
import type { AboutState } from './features/about/about-store';
import { createAboutStore } from './features/about/about-store';
import type { ConnectionsState } from './features/connections/connections-store';
import { createConnectionsStore } from './features/connections/connections-store';
import type { LogsState } from './features/logs/logs-store';
import { createLogsStore } from './features/logs/logs-store';
import type { NavigationState } from './features/navigation/navigation-store';
import { browserHashLocation, createNavigationStore } from './features/navigation/navigation-store';
import type { SchemaBrowserState } from './features/schema/schema-store';
import { createSchemaStore } from './features/schema/schema-store';
import type { StatusState } from './features/status/status-store';
import { createStatusStore } from './features/status/status-store';

const client = api();

export const navigationStore = createNavigationStore(browserHashLocation(window));

export const connectionsStore = createConnectionsStore({
  listSchemas: (url, includeSystem) => client.invoke('db.listSchemas', { url, includeSystem }),
  listProfiles: () => client.invoke('profiles.list', {}),
  saveProfile: (input) => client.invoke('profiles.save', input),
  deleteProfile: (id) => client.invoke('profiles.delete', { id }),
  connect: (connection) => client.invoke('connections.connect', { connection }),
  disconnect: (connection) => client.invoke('connections.disconnect', { connection }),
  statuses: () => client.invoke('connections.status', {}),
  check: (connection) => client.invoke('db.check', { connection }),
  localPgStatus: () => client.invoke('localPg.status', {}),
  localPgStart: () => client.invoke('localPg.start', {}),
  localPgStop: () => client.invoke('localPg.stop', {}),
  onStatus: (listener) => client.on('connections.status', listener),
  onLocalPgStatus: (listener) => client.on('localPg.status', listener),
});

export const schemaStore = createSchemaStore({
  loadModel: (connection) => client.invoke('schema.model', { connection }),
  count: (connection, schema, table) => client.invoke('schema.count', { connection, schema, table }),
  sizes: (connection, schema, table) => client.invoke('schema.sizes', { connection, schema, table }),
  refreshMatview: (connection, schema, name) => client.invoke('ops.refreshMatview', { connection, schema, name }),
  runFunction: (connection, schema, name, confirmDatabase) =>
    client.invoke('ops.runFunction', { connection, schema, name, confirmDatabase }),
});

export const logsStore = createLogsStore({
  loadRecent: (limit) => client.invoke('logs.recent', { limit }),
  subscribe: (listener) => client.on('logs.line', listener),
});

export const aboutStore = createAboutStore({ loadInfo: () => client.invoke('app.info', {}) });

export const statusStore = createStatusStore({
  transport: client.transport,
  onLinkState: (listener) => client.onLinkState(listener),
});

export const writeRendererError = (message: string) => client.invoke('logs.write', { level: 'error', message });

/** Start what must run for the life of the window, whichever view is open. */
export function startStores(): void {
  navigationStore.getState().connect();
  statusStore.getState().connect();
  // Profiles, pools and the local server are followed for the whole window: the status bar shows them everywhere.
  connectionsStore.getState().connect();
  // Subscribed here, not in the Logs view, so no line is missed while another view is open.
  logsStore.getState().connect();
  void aboutStore.getState().load();
}

export const useNavigation = <T>(selector: (state: NavigationState) => T): T => useStore(navigationStore, selector);
export const useConnections = <T>(selector: (state: ConnectionsState) => T): T => useStore(connectionsStore, selector);
export const useSchema = <T>(selector: (state: SchemaBrowserState) => T): T => useStore(schemaStore, selector);
export const useLogs = <T>(selector: (state: LogsState) => T): T => useStore(logsStore, selector);
export const useAbout = <T>(selector: (state: AboutState) => T): T => useStore(aboutStore, selector);
export const useStatus = <T>(selector: (state: StatusState) => T): T => useStore(statusStore, selector);
