import type { EventHub } from '../../events';
import type { ConnectionManager } from '../../services/connections/connection-manager';
import type { ProfileStore } from '../../services/connections/profile-store';
import type { LocalPostgres } from '../../services/local-pg/local-postgres';
import type { LogService } from '../../services/logging/log-service';
import type { SledManager } from '../../services/sled/sled-manager';
import type { SnapshotManager } from '../../services/snapshots/snapshot-manager';
import type { AppStore } from '../../services/store/app-store';

/** The core services every handler group may use; built once in main/app.ts. */
export interface CoreServices {
  log: LogService;
  events: EventHub;
  store: AppStore;
  profiles: ProfileStore;
  connections: ConnectionManager;
  localPg: LocalPostgres;
  snapshots: SnapshotManager;
  sled: SledManager;
}
