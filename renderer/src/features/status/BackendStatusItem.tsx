import { useShallow } from 'zustand/react/shallow';
import { backendSummary, worstState } from '../backend/backend-format';
import { useBackends } from '../backend/backend-hooks';

/** "Backend api: running", "2 backends: 1 running, 1 crashed", or "not configured"; the dot shows the worst state. */
export function BackendStatusItem() {
  const loaded = useBackends((s) => s.loaded);
  const statuses = useBackends(useShallow((s) => s.entries.map((e) => e.status)));
  const worst = worstState(statuses);
  const text = loaded ? backendSummary(statuses) : 'Backend: …';
  return (
    <span
      className="statusbar__item"
      data-testid="status-backend"
      data-state={worst ?? 'none'}
      title={statuses.map((s) => `${s.name}: ${s.state}${s.reason ? ` (${s.reason})` : ''}`).join('\n') || undefined}
    >
      {worst ? <span className={`dot dot--backend-${worst}`} aria-hidden="true" /> : null}
      {text}
    </span>
  );
}
