import type { SledEntrySample } from '../../../../common/sled';
import { baseName, familyLabels, problemLabels } from './sled-format';

export interface SamplesTableProps {
  samples: readonly SledEntrySample[];
  /** How many entries the samples stand for (to say "3 of 120"). */
  total?: number;
  label: string;
  /** Also name each sample's problem (not needed in a list already grouped by problem). */
  showProblem?: boolean;
}

/** Sample entries: where each came from (file and line or position), its key (never its value) and why. Props only. */
export function SamplesTable({ samples, total, label, showProblem = true }: SamplesTableProps) {
  if (samples.length === 0) return <p className="field-note">No samples kept.</p>;
  return (
    <div className="sled-samples">
      <div className="table-wrap">
        <table className="data-table sled-samples__table" aria-label={label} data-testid="sled-samples">
          <thead>
            <tr>
              <th>Origin</th>
              <th>Key</th>
              <th>Family</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {samples.map((sample) => (
              <tr key={sample.entryId} data-testid="sled-sample" data-entry-id={sample.entryId}>
                <td className="mono sled-samples__origin" title={`${sample.file}, ${sample.origin}`}>
                  {sample.source ? <span className="sled-samples__source">{sample.source}</span> : null}
                  {baseName(sample.file)}, {sample.origin}
                </td>
                <td className="mono sled-samples__key">{sample.key ?? <span className="muted">no key</span>}</td>
                <td className="sled-samples__family">
                  {sample.family ? familyLabels[sample.family] : <span className="muted">—</span>}
                  {showProblem && sample.problem ? (
                    <span className="sled-samples__problem">{problemLabels[sample.problem]}</span>
                  ) : null}
                </td>
                <td className="sled-samples__reason">{sample.reason ?? <span className="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {total !== undefined && total > samples.length ? (
        <p className="field-note">
          {samples.length === 1 ? '1 sample' : `${samples.length} samples`} of {total.toLocaleString('en-US')}.
        </p>
      ) : null}
    </div>
  );
}
