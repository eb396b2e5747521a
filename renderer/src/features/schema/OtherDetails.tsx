/** Detail panes for functions and procedures, sequences and enums. Props only. */
import type { CatalogEnum, CatalogFunction, CatalogSequence } from '../../../../common/catalog';
import { Badge } from '../../components/Badge';
import { CodeBlock } from '../../components/CodeBlock';
import { ErrorBox } from '../../components/ErrorBox';
import { KeyValue } from '../../components/KeyValue';
import { OFFLINE_SHORT } from '../connections/data-source';
import { formatDuration, isRunnableFunction } from './catalog-lookup';
import type { OpState, RunResult } from './schema-store';

function Title({ kind, schema, name, suffix }: { kind: string; schema: string; name: string; suffix?: string }) {
  return (
    <div className="object-header__title-row">
      <Badge tone="info">{kind}</Badge>
      <h2 className="object-title" data-testid="object-title" data-schema={schema} data-name={name}>
        <span className="object-title__schema">{schema}.</span>
        {name}
        {suffix ? <span className="object-title__suffix">{suffix}</span> : null}
      </h2>
    </div>
  );
}

export interface FunctionDetailProps {
  fn: CatalogFunction;
  database: string;
  /** A snapshot is the source: running needs the live database. */
  offline: boolean;
  run: OpState<RunResult> | undefined;
  onRun(): void;
}

export function FunctionDetail({ fn, database, offline, run, onRun }: FunctionDetailProps) {
  const runnable = isRunnableFunction(fn);
  return (
    <article className="object-detail" data-testid="object-detail" data-kind={fn.kind}>
      <header className="object-header">
        <Title kind={fn.kind} schema={fn.schema} name={fn.name} suffix={`(${fn.arguments})`} />
        {fn.comment ? <p className="object-header__comment">{fn.comment}</p> : null}
        <KeyValue
          items={[
            {
              label: 'Signature',
              value: `${fn.schema}.${fn.name}(${fn.arguments})`,
              mono: true,
              testId: 'fn-signature',
            },
            { label: 'Returns', value: fn.result ?? '— (procedure)', mono: true },
            { label: 'Language', value: fn.language },
            { label: 'Volatility', value: fn.volatility },
            { label: 'Security', value: fn.securityDefiner ? 'SECURITY DEFINER' : 'invoker' },
          ]}
        />
        {runnable && offline ? (
          <p className="object-op object-op--offline" data-testid="run-function-offline">
            Run is not offered on a snapshot: {OFFLINE_SHORT}.
          </p>
        ) : runnable ? (
          <div className="object-op">
            <button
              className="button"
              type="button"
              onClick={onRun}
              disabled={run?.state === 'running'}
              title={`Runs SELECT ${fn.schema}.${fn.name}() on ${database} after you confirm`}
              data-testid="run-function"
            >
              {run?.state === 'running' ? 'Running…' : 'Run…'}
            </button>
            {run?.state === 'done' ? (
              <span className="op-result op-result--ok" data-testid="op-result">
                Returned <strong className="mono">{run.value.result ?? 'NULL'}</strong> in{' '}
                {formatDuration(run.value.durationMs)}
              </span>
            ) : null}
            {run?.state === 'failed' ? (
              <ErrorBox error={run.error} title="The function failed" testId="op-result" />
            ) : null}
          </div>
        ) : null}
      </header>
      {fn.ddl ? (
        <CodeBlock
          code={fn.ddl}
          label={`Definition of ${fn.schema}.${fn.name}`}
          testId="ddl-text"
          copyTestId="ddl-copy"
        />
      ) : (
        <p className="muted">PostgreSQL has no CREATE statement to show for an aggregate.</p>
      )}
    </article>
  );
}

export function SequenceDetail({ sequence: s }: { sequence: CatalogSequence }) {
  return (
    <article className="object-detail" data-testid="object-detail" data-kind="sequence">
      <header className="object-header">
        <Title kind="sequence" schema={s.schema} name={s.name} />
        <KeyValue
          items={[
            { label: 'Data type', value: s.dataType, mono: true },
            { label: 'Start', value: s.start, mono: true },
            { label: 'Increment', value: s.increment, mono: true },
            { label: 'Minimum', value: s.min, mono: true },
            { label: 'Maximum', value: s.max, mono: true },
            { label: 'Cycle', value: s.cycle ? 'yes' : 'no' },
            { label: 'Owned by', value: s.ownedBy ?? '—', mono: s.ownedBy !== null },
          ]}
        />
      </header>
      <CodeBlock code={s.ddl} label={`DDL of ${s.schema}.${s.name}`} testId="ddl-text" copyTestId="ddl-copy" />
    </article>
  );
}

export function EnumDetail({ enumType: e }: { enumType: CatalogEnum }) {
  return (
    <article className="object-detail" data-testid="object-detail" data-kind="enum">
      <header className="object-header">
        <Title kind="enum" schema={e.schema} name={e.name} />
        {e.comment ? <p className="object-header__comment">{e.comment}</p> : null}
        <div>
          <h3 className="detail-subtitle">
            Labels <span className="count">{e.labels.length}</span>
          </h3>
          <ol className="enum-labels" data-testid="enum-labels">
            {e.labels.map((label) => (
              <li key={label} className="mono">
                {label}
              </li>
            ))}
          </ol>
        </div>
      </header>
      <CodeBlock code={e.ddl} label={`DDL of ${e.schema}.${e.name}`} testId="ddl-text" copyTestId="ddl-copy" />
    </article>
  );
}
