import { useEffect } from 'react';
import type { SledImportSummary, SledPlanProblem, SledProblemKind } from '../../../../common/sled';
import { familyTarget, sledFamilies, sledProblemKinds } from '../../../../common/sled';
import { ErrorBox } from '../../components/ErrorBox';
import { KeyValue } from '../../components/KeyValue';
import { ProblemExample } from './ProblemExample';
import { SamplesTable } from './SamplesTable';
import {
  familyKeys,
  familyLabels,
  formatBytes,
  formatCount,
  formatTime,
  importStateLabels,
  plural,
  problemLabels,
} from './sled-format';
import { useSled } from './sled-hooks';

/** Step 2: what the staging found — the files, the entries by family, the problems with samples. */
export function SummaryStep() {
  const summary = useSled((s) => (s.currentId ? (s.imports.find((i) => i.id === s.currentId) ?? null) : null));
  const hasPlan = useSled((s) => s.plan !== null);
  const planning = useSled((s) => s.planning);
  const planFailed = useSled((s) => s.planError !== null);
  const makePlan = useSled((s) => s.makePlan);
  const goTo = useSled((s) => s.goTo);

  useEffect(() => {
    // The samples of each problem come with the plan (read from the staging database only).
    // Once: a failure is shown, not retried in a loop.
    if (summary?.state === 'staged' && !hasPlan && !planning && !planFailed) void makePlan(null, false);
  }, [summary?.state, hasPlan, planning, planFailed, makePlan]);

  if (!summary) return <p className="muted">Reading the import…</p>;
  return (
    <div className="sled-step" data-testid="sled-summary-step">
      <Overview summary={summary} />
      <FilesTable summary={summary} />
      <FamiliesTable summary={summary} />
      <ProblemsCard summary={summary} />
      <div className="sled-actions">
        <button className="button button--primary" type="button" onClick={() => goTo('plan')} data-testid="sled-next">
          Next: plan
        </button>
      </div>
    </div>
  );
}

function Overview({ summary }: { summary: SledImportSummary }) {
  const problems = Object.values(summary.problems).reduce((a, b) => a + (b ?? 0), 0);
  return (
    <section className="card" aria-label="Staging summary">
      <h2 className="card__title">
        Import <span className="mono">{summary.id}</span>
      </h2>
      <KeyValue
        items={[
          { label: 'State', value: importStateLabels[summary.state], testId: 'sled-summary-state' },
          { label: 'Staged', value: formatTime(summary.createdAt) },
          {
            label: 'Entries',
            testId: 'sled-summary-entries',
            value: `${formatCount(summary.entries)} — ${formatCount(summary.entries - problems)} loadable, ${plural(problems, 'problem')}`,
          },
          {
            label: 'Staging database',
            mono: true,
            testId: 'sled-staging-file',
            value: (
              <>
                {summary.stagingFile} <span className="muted">({formatBytes(summary.stagingBytes)})</span>
              </>
            ),
          },
          ...(summary.lastLoadAt
            ? [
                {
                  label: 'Loaded',
                  testId: 'sled-summary-loaded',
                  value: `${formatTime(summary.lastLoadAt)} — ${formatCount(summary.loaded)} loaded, ${formatCount(summary.skipped)} skipped, ${formatCount(summary.failed)} failed`,
                },
              ]
            : []),
        ]}
      />
    </section>
  );
}

function FilesTable({ summary }: { summary: SledImportSummary }) {
  return (
    <section className="card" aria-labelledby="sled-files-title">
      <h2 className="card__title" id="sled-files-title">
        Files <span className="count">{summary.files.length}</span>
      </h2>
      <div className="table-wrap">
        <table className="data-table" aria-labelledby="sled-files-title" data-testid="sled-summary-files">
          <thead>
            <tr>
              <th>Path</th>
              <th>Format</th>
              <th>Sources</th>
              <th className="num">Size</th>
              <th className="num">Entries</th>
              <th>SHA-256</th>
            </tr>
          </thead>
          <tbody>
            {summary.files.map((file) => (
              <tr key={file.path}>
                <td className="mono sled-wrap sled-files-table__path">{file.path}</td>
                <td className="sled-nowrap">{file.format === 'jsonl' ? 'JSON Lines' : 'sled export() JSON'}</td>
                <td className="sled-files-table__sources">
                  <FileSources sources={file.sources} />
                </td>
                <td className="num" title={`${file.bytes.toLocaleString('en-US')} bytes`}>
                  {formatBytes(file.bytes)}
                </td>
                <td className="num">{formatCount(file.entries)}</td>
                <td className="mono" title={file.sha256}>
                  {file.sha256.slice(0, 12)}…
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function FamiliesTable({ summary }: { summary: SledImportSummary }) {
  return (
    <section className="card" aria-labelledby="sled-families-title">
      <h2 className="card__title" id="sled-families-title">
        Entries by family
      </h2>
      <div className="table-wrap">
        <table className="data-table" aria-labelledby="sled-families-title" data-testid="sled-families">
          <thead>
            <tr>
              <th>Family</th>
              <th>Goes to</th>
              <th className="num">Entries</th>
            </tr>
          </thead>
          <tbody>
            {sledFamilies.map((family) => (
              <tr key={family} data-testid="sled-family-row" data-family={family}>
                <td>
                  {familyLabels[family]}
                  <span className="sled-key-pattern mono">{familyKeys[family]}</span>
                </td>
                <td className="mono">{familyTarget[family]}</td>
                <td className="num" data-testid="sled-family-count">
                  {formatCount(summary.byFamily[family] ?? 0)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function ProblemsCard({ summary }: { summary: SledImportSummary }) {
  const planProblems = useSled((s) => s.plan?.problems ?? null);
  const planError = useSled((s) => (s.plan ? null : s.planError));
  const kinds = sledProblemKinds.filter((kind) => (summary.problems[kind] ?? 0) > 0);
  const total = kinds.reduce((sum, kind) => sum + (summary.problems[kind] ?? 0), 0);
  return (
    <section className="card" aria-labelledby="sled-problems-title" data-testid="sled-summary-problems">
      <h2 className="card__title" id="sled-problems-title">
        Problems <span className="count">{formatCount(total)}</span>
      </h2>
      {kinds.length === 0 ? (
        <p className="sled-ok-note">Every entry decoded and fits its column.</p>
      ) : (
        <>
          <p className="field-note">
            Kept in the staging database with the reason; they are not loaded and the report counts them as failed.
          </p>
          <ProblemList
            kinds={kinds}
            counts={summary.problems}
            problems={planProblems}
            examples={summary.problemExamples}
            loadingSamples={planProblems === null && planError === null}
          />
        </>
      )}
      {planError ? <ErrorBox error={planError} title="Could not read the samples" testId="sled-samples-error" /> : null}
    </section>
  );
}

/**
 * A file's sources: the names, then the notes about the file ("(no header: …)",
 * "(header not read, …)"), which read as text, each on a line of its own.
 */
function FileSources({ sources }: { sources: readonly string[] }) {
  const names = sources.filter((s) => !s.startsWith('('));
  const notes = sources.filter((s) => s.startsWith('('));
  if (sources.length === 0) return <>—</>;
  return (
    <>
      {names.length > 0 ? <span className="mono">{names.join(', ')}</span> : null}
      {notes.map((note) => (
        <span key={note} className="sled-source-note" data-testid="sled-source-note">
          {note}
        </span>
      ))}
    </>
  );
}

export interface ProblemListProps {
  kinds: readonly SledProblemKind[];
  counts: Partial<Record<SledProblemKind, number>>;
  problems: readonly SledPlanProblem[] | null;
  /** Each kind's first entry, shown before the samples are read (the import summary has them). */
  examples?: SledImportSummary['problemExamples'];
  loadingSamples?: boolean;
}

/** Problems by kind, each with its first example (where and why) and opening to its samples. Props only. */
export function ProblemList({ kinds, counts, problems, examples = {}, loadingSamples = false }: ProblemListProps) {
  return (
    <ul className="sled-problems">
      {kinds.map((kind) => {
        const count = counts[kind] ?? 0;
        const samples = problems?.find((p) => p.kind === kind)?.samples ?? null;
        const example = samples?.[0] ?? examples[kind];
        return (
          <li key={kind} className="sled-problem" data-testid="sled-problem" data-kind={kind} data-count={count}>
            <details>
              <summary>
                <span className="sled-problem__text">
                  <span className="sled-problem__label">{problemLabels[kind]}</span>
                  {example ? <ProblemExample example={example} /> : null}
                </span>
                <span className="mono sled-problem__kind">{kind}</span>
                <span className="sled-problem__count" data-testid="sled-problem-count">
                  {formatCount(count)}
                </span>
              </summary>
              {samples ? (
                <SamplesTable
                  samples={samples}
                  total={count}
                  label={`Samples: ${problemLabels[kind]}`}
                  showProblem={false}
                />
              ) : (
                <p className="field-note">{loadingSamples ? 'Reading samples…' : 'No samples.'}</p>
              )}
            </details>
          </li>
        );
      })}
    </ul>
  );
}
