/** Plain domain types shared by all processes. */

export type TransportName = 'ipc' | 'http' | 'cli';

export interface AppInfo {
  name: string;
  version: string;
  dataDir: string;
  logFile: string;
  platform: string;
  arch: string;
  nodeVersion: string;
  electronVersion: string | null;
  transport: TransportName;
  storeSchemaVersion: number;
  startedAt: string;
  /** The app can show the system's file dialogs (files.chooseOpen, files.chooseSave): the desktop app only. */
  filePicker: boolean;
}

/** A file dialog's filter: its name and the extensions it shows (no dot; '*' for any). */
export interface FileFilter {
  name: string;
  extensions: string[];
}

/** What a file dialog was asked to pick. */
export type FileChoice = 'file' | 'files' | 'folder';

export interface SchemaSummary {
  name: string;
  owner: string;
  comment: string | null;
  /** Tables, views, materialized views, partitioned and foreign tables. */
  relationCount: number;
  isSystem: boolean;
}

export interface SchemaListing {
  /** The URL the listing came from, with any password removed. */
  target: string;
  serverVersion: string;
  database: string;
  schemas: SchemaSummary[];
}

export const logLevels = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof logLevels)[number];

export interface LogLine {
  seq: number;
  time: string;
  level: LogLevel;
  scope: string;
  message: string;
}
