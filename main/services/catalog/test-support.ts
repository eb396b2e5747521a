/**
 * Shared by the catalog tests (not imported by the service): the stack
 * fixture and a model comparison that ignores what legitimately differs
 * between two databases with the same schema.
 */
import fs from 'node:fs';
import type { CatalogModel, CatalogRelation } from '../../../common/catalog';
import type { Logger } from '../logging/log-service';

export const STACK_CATALOG_SQL = fs.readFileSync(
  new URL('../../../test/fixtures/stack-catalog.sql', import.meta.url),
  'utf8',
);

/** A logger that keeps its lines for assertions. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const write = (...parts: unknown[]) => lines.push(parts.map(String).join(' '));
  return { lines, error: write, warn: write, info: write, debug: write };
}

/** The model without sizes, estimates, timings and the database name. */
export function comparable(model: CatalogModel): unknown {
  return {
    serverVersion: model.serverVersion,
    schemas: model.schemas,
    relations: model.relations.map((relation: CatalogRelation) => ({
      ...relation,
      rowEstimate: undefined,
      sizes: undefined,
      indexes: relation.indexes.map((index) => ({ ...index, sizeBytes: undefined })),
    })),
    functions: model.functions,
    sequences: model.sequences,
    enums: model.enums,
  };
}

export function findRelation(model: CatalogModel, schema: string, name: string): CatalogRelation {
  const relation = model.relations.find((r) => r.schema === schema && r.name === name);
  if (!relation) throw new Error(`no relation ${schema}.${name} in the model`);
  return relation;
}
