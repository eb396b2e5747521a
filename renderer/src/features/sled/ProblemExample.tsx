import type { SledEntrySample } from '../../../../common/sled';
import { sampleLine, sampleLineUnder } from '../../../../common/sled';
import { baseName } from './sled-format';

export interface ProblemExampleProps {
  example: Pick<SledEntrySample, 'file' | 'origin' | 'reason'> & { key?: string | null };
  /** The reason of the group it is listed under: a sample reason that only repeats it gives way to the key. */
  groupReason?: string;
}

/**
 * One line under a problem's or a reason's label: where its first entry is
 * and why ("e.g. export.jsonl line 12: …"), cut to the width with the whole
 * in the tooltip. Hidden once the group is open (its samples say it). Props only.
 */
export function ProblemExample({ example, groupReason }: ProblemExampleProps) {
  const key = example.key ?? null;
  const where = groupReason === undefined ? sampleLine(example) : sampleLineUnder({ ...example, key }, groupReason);
  return (
    <span className="sled-problem__example" data-testid="sled-problem-example" title={`${example.file}: ${where}`}>
      e.g. {baseName(example.file)} {where}
    </span>
  );
}
