import type { ExplainNode, ExplainResult } from '../../../common/data';

export interface ExplainTreeProps {
  result: ExplainResult;
}

const formatCost = (n: number) => n.toFixed(2);

/** What a reader of a plan looks for first; the other properties are one click away. */
const keyDetails = new Set([
  'Index Name',
  'Index Cond',
  'Recheck Cond',
  'Filter',
  'Rows Removed by Filter',
  'Join Type',
  'Join Filter',
  'Rows Removed by Join Filter',
  'Hash Cond',
  'Merge Cond',
  'Sort Key',
  'Sort Method',
  'Group Key',
  'Strategy',
  'Subplan Name',
  'CTE Name',
  'Function Name',
  'Workers Planned',
  'Workers Launched',
  'Heap Fetches',
]);

function DetailList({ entries }: { entries: [string, string][] }) {
  return (
    <dl className="explain__details">
      {entries.map(([key, value]) => (
        <div key={key} className="explain__detail">
          <dt>{key}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
const formatMs = (n: number) => `${n < 10 ? n.toFixed(3) : n.toFixed(1)} ms`;

/** EXPLAIN (FORMAT JSON) as a collapsible tree; actual rows and time when analysed. Props only. */
export function ExplainTree({ result }: ExplainTreeProps) {
  const rootCost = result.plan.totalCost > 0 ? result.plan.totalCost : 1;
  return (
    <div className="explain" data-testid="explain-tree">
      <div className="explain__summary">
        <span>{result.analyzed ? 'EXPLAIN ANALYZE' : 'EXPLAIN (estimates only — the statement was not run)'}</span>
        {result.planningTimeMs !== null ? <span>Planning {formatMs(result.planningTimeMs)}</span> : null}
        {result.executionTimeMs !== null ? <span>Execution {formatMs(result.executionTimeMs)}</span> : null}
      </div>
      <ul className="explain__tree" aria-label="Query plan">
        <PlanNode node={result.plan} rootCost={rootCost} analyzed={result.analyzed} />
      </ul>
    </div>
  );
}

function PlanNode({ node, rootCost, analyzed }: { node: ExplainNode; rootCost: number; analyzed: boolean }) {
  const share = Math.min(100, Math.max(0, (node.totalCost / rootCost) * 100));
  const entries = Object.entries(node.details);
  const main = entries.filter(([key]) => keyDetails.has(key));
  const more = entries.filter(([key]) => !keyDetails.has(key));
  const head = (
    <span className="explain__head">
      <span className="explain__type">{node.nodeType}</span>
      {node.relation ? <span className="explain__relation">on {node.relation}</span> : null}
      <span className="explain__metric" title="Startup cost..total cost (planner units)">
        cost {formatCost(node.startupCost)}..{formatCost(node.totalCost)}
      </span>
      <span className="explain__metric" title="Rows the planner expected">
        rows {node.planRows.toLocaleString()}
      </span>
      {analyzed && node.actualRows !== null ? (
        <span className="explain__metric explain__metric--actual" title="Rows actually returned">
          actual rows {node.actualRows.toLocaleString()}
        </span>
      ) : null}
      {analyzed && node.actualTimeMs !== null ? (
        <span className="explain__metric explain__metric--actual" title="Actual total time of this node">
          {formatMs(node.actualTimeMs)}
        </span>
      ) : null}
      <span className="explain__bar" aria-hidden="true">
        <span className="explain__bar-fill" style={{ width: `${share}%` }} />
      </span>
    </span>
  );
  const body =
    entries.length > 0 ? (
      <>
        {main.length > 0 ? <DetailList entries={main} /> : null}
        {more.length > 0 ? (
          <details className="explain__more">
            <summary>
              {more.length} more {more.length === 1 ? 'property' : 'properties'}
            </summary>
            <DetailList entries={more} />
          </details>
        ) : null}
      </>
    ) : null;

  if (node.children.length === 0 && !body) {
    return (
      <li className="explain__node explain__node--leaf" data-testid="explain-node">
        {head}
      </li>
    );
  }
  return (
    <li className="explain__node" data-testid="explain-node">
      <details open>
        <summary>{head}</summary>
        {body}
        {node.children.length > 0 ? (
          <ul className="explain__children">
            {node.children.map((child, index) => (
              <PlanNode key={index} node={child} rootCost={rootCost} analyzed={analyzed} />
            ))}
          </ul>
        ) : null}
      </details>
    </li>
  );
}
