import { DataBrowser } from '../../services/data/data-browser';
import { Explainer } from '../../services/data/explain';
import { Operations } from '../../services/data/operations';
import { RunRegistry } from '../../services/data/run-registry';
import { SqlRunner } from '../../services/data/sql-runner';
import { isSnapshotRef } from '../../../common/profiles';
import { notSnapshotError } from '../../services/snapshots/snapshot-manager';
import type { Handlers } from '../router';
import type { CoreServices } from './deps';

/** The data grid, the SQL console and the stack operations. */
export function dataHandlers(
  services: CoreServices,
): Pick<Handlers, 'data.page' | 'sql.run' | 'sql.cancel' | 'sql.explain' | 'ops.refreshMatview' | 'ops.runFunction'> {
  const { connections, snapshots } = services;
  const registry = new RunRegistry((ref, pid) => connections.cancel(ref, pid));
  const browser = new DataBrowser();
  const runner = new SqlRunner({ registry, logger: services.log.scope('sql') });
  const explainer = new Explainer({ registry });
  const operations = new Operations({ logger: services.log.scope('ops') });
  return {
    'data.page': ({ connection, ...request }) =>
      isSnapshotRef(connection)
        ? snapshots.source(connection.snapshotId).page(request)
        : connections.withClient(connection, (client) => browser.page(client, request)),
    'sql.run': ({ connection, ...input }) => {
      if (!isSnapshotRef(connection)) return runner.run(connections, connection, input);
      if (input.allowWrite) throw notSnapshotError('Writing');
      return snapshots.source(connection.snapshotId).sql(input.sql, input.maxRows);
    },
    'sql.cancel': async ({ runId }) => ({ cancelled: await registry.cancel(runId) }),
    'sql.explain': ({ connection, ...input }) => explainer.explain(connections, connection, input),
    'ops.refreshMatview': ({ connection, schema, name }) =>
      connections.withClient(connection, (client, context) =>
        operations.refreshMatview(client, context, { schema, name }),
      ),
    'ops.runFunction': ({ connection, ...target }) =>
      connections.withClient(connection, (client, context) => operations.runFunction(client, context, target)),
  };
}
