import type { ExplainNode, ExplainResult, JsonValue } from '../../../common/data';
import { OpsError } from '../../../common/errors';
import type { ConnectionRef } from '../../../common/profiles';
import type { ClientSource } from './client-source';
import { rollbackQuietly } from './client-source';
import type { RunRegistry } from './run-registry';
import { isMultipleStatementsError, mapSqlError } from './sql-errors';
import { WireQuery } from './wire-query';

export interface ExplainInput {
  sql: string;
  analyze?: boolean;
  runId?: string;
}

const PLAIN = 'EXPLAIN (FORMAT JSON) ';
const ANALYZE = 'EXPLAIN (FORMAT JSON, ANALYZE, BUFFERS) ';

/** Keys shown as the node's own fields rather than in `details`. */
const OWN_KEYS = new Set([
  'Node Type',
  'Relation Name',
  'Startup Cost',
  'Total Cost',
  'Plan Rows',
  'Actual Rows',
  'Actual Total Time',
  'Plans',
]);

type JsonObject = { [key: string]: JsonValue };

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function num(value: JsonValue | undefined): number | null {
  return typeof value === 'number' ? value : null;
}

function detailText(value: JsonValue): string {
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** One plan node of EXPLAIN's JSON output as a tree node; every other key goes to details. */
export function toExplainNode(plan: JsonObject): ExplainNode {
  const details: Record<string, string> = {};
  for (const [key, value] of Object.entries(plan)) {
    if (!OWN_KEYS.has(key)) details[key] = detailText(value);
  }
  const relation = plan['Relation Name'] ?? plan['CTE Name'] ?? plan['Function Name'] ?? null;
  const children = Array.isArray(plan.Plans) ? plan.Plans.filter(isObject).map(toExplainNode) : [];
  return {
    nodeType: typeof plan['Node Type'] === 'string' ? plan['Node Type'] : 'Unknown',
    relation: typeof relation === 'string' ? relation : null,
    startupCost: num(plan['Startup Cost']) ?? 0,
    totalCost: num(plan['Total Cost']) ?? 0,
    planRows: num(plan['Plan Rows']) ?? 0,
    // As PostgreSQL reports them: per loop (details has "Actual Loops").
    actualRows: num(plan['Actual Rows']),
    actualTimeMs: num(plan['Actual Total Time']),
    details,
    children,
  };
}

/**
 * EXPLAIN for the SQL console, as a tree. Without ANALYZE the statement is
 * only planned. With ANALYZE it really runs, inside a transaction that is
 * always rolled back (read-only on a read-only profile), so an explained
 * DELETE deletes nothing. One statement only: the extended protocol refuses
 * several, so nothing can follow the EXPLAIN.
 */
export class Explainer {
  private readonly registry: RunRegistry;

  constructor(options: { registry: RunRegistry }) {
    this.registry = options.registry;
  }

  async explain(connections: ClientSource, ref: ConnectionRef, input: ExplainInput): Promise<ExplainResult> {
    const analyze = input.analyze ?? false;
    const prefix = analyze ? ANALYZE : PLAIN;
    const runId = input.runId;
    const run = runId === undefined ? null : this.registry.start(runId, ref);
    try {
      return await connections.withClient(ref, async (client, context) => {
        await client.query(
          context.readOnly || !analyze ? 'BEGIN TRANSACTION READ ONLY' : 'BEGIN TRANSACTION READ WRITE',
        );
        try {
          if (run) {
            const { rows } = await client.query<{ pid: number }>('SELECT pg_catalog.pg_backend_pid() AS pid');
            run.pid = rows[0]?.pid ?? null;
            if (run.cancelRequested) throw new OpsError('database_error', 'Query cancelled');
          }
          const query = new WireQuery(prefix + input.sql, { protocol: 'extended', maxRows: 1 });
          client.query(query);
          const result = await query.result;
          if (run && runId !== undefined) this.registry.finish(runId, run);
          return parseExplain(result.rows[0]?.[0] ?? null, analyze);
        } catch (error) {
          if (isMultipleStatementsError(error)) {
            throw new OpsError('invalid_input', 'EXPLAIN takes one statement', {
              hint: 'Select the one statement to explain.',
            });
          }
          throw mapSqlError(error, { text: input.sql, prefix, cancelled: run?.cancelRequested ?? false });
        } finally {
          // Always rolled back: with ANALYZE the statement really ran.
          await rollbackQuietly(client);
        }
      });
    } finally {
      if (run && runId !== undefined) this.registry.finish(runId, run);
    }
  }
}

export function parseExplain(raw: JsonValue, analyzed: boolean): ExplainResult {
  const top = Array.isArray(raw) ? raw[0] : raw;
  if (!isObject(top) || !isObject(top.Plan)) {
    throw new OpsError('database_error', 'EXPLAIN returned no plan', { hint: 'Is the text a statement that has one?' });
  }
  return {
    plan: toExplainNode(top.Plan),
    planningTimeMs: num(top['Planning Time']),
    executionTimeMs: num(top['Execution Time']),
    analyzed,
    raw,
  };
}
