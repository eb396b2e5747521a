import { CatalogReader } from '../../services/catalog/catalog-reader';
import { quoteQualified } from '../../services/catalog/quote';
import { isSnapshotRef } from '../../../common/profiles';
import { notSnapshotError } from '../../services/snapshots/snapshot-manager';
import type { Handlers } from '../router';
import type { CoreServices } from './deps';

export function schemaHandlers(
  services: CoreServices,
): Pick<Handlers, 'schema.model' | 'schema.count' | 'schema.sizes'> {
  const logger = services.log.scope('catalog');
  const reader = new CatalogReader({ logger });
  const exactReader = new CatalogReader({ logger, sizes: 'exact' });
  return {
    'schema.model': (input) =>
      isSnapshotRef(input.connection)
        ? services.snapshots.model(input.connection.snapshotId)
        : // Two extra connections read the heaviest catalog queries in parallel, on the same snapshot.
          services.connections.withClients(input.connection, 2, async (client, helpers, context) => {
            const started = performance.now();
            const model = await (input.exactSizes ? exactReader : reader).read(client, helpers);
            const counts = [
              `${model.schemas.length} schemas`,
              `${model.relations.length} relations`,
              `${model.relations.reduce((n, r) => n + r.columns.length, 0)} columns`,
              `${model.relations.reduce((n, r) => n + r.indexes.length, 0)} indexes`,
              `${model.functions.length} functions`,
              `${model.sequences.length} sequences`,
              `${model.enums.length} enums`,
            ].join(', ');
            logger.info(
              `read the catalog of ${context.target} in ${Math.round(performance.now() - started)} ms ` +
                `(queries ${model.durationMs} ms): ${counts}`,
            );
            return model;
          }),
    'schema.count': (input) =>
      isSnapshotRef(input.connection)
        ? { count: services.snapshots.source(input.connection.snapshotId).count(input.schema, input.table) }
        : services.connections.withClient(input.connection, async (client, context) => {
            const started = performance.now();
            const count = await reader.exactCount(client, input.schema, input.table);
            logger.info(
              `counted ${count} rows of ${quoteQualified(input.schema, input.table)} on ${context.target} ` +
                `in ${Math.round(performance.now() - started)} ms`,
            );
            return { count };
          }),
    'schema.sizes': (input) => {
      if (isSnapshotRef(input.connection)) {
        throw notSnapshotError('Exact sizes');
      }
      return services.connections.withClient(input.connection, async (client, context) => {
        const sizes = await reader.exactSizes(client, input.schema, input.table);
        logger.info(
          `read the exact sizes of ${quoteQualified(input.schema, input.table)} on ${context.target}: ` +
            `${sizes.totalBytes} bytes`,
        );
        return sizes;
      });
    },
  };
}
