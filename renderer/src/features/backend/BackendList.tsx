import { Badge } from '../../components/Badge';
import { stateTones } from './backend-format';
import type { BackendEntry } from './backends-state';

export interface BackendListProps {
  entries: readonly BackendEntry[];
  selectedId: string | null;
  onSelect(id: string): void;
}

/** The configured backends, each with its state. Props only. */
export function BackendList({ entries, selectedId, onSelect }: BackendListProps) {
  return (
    <ul className="backend-list" aria-label="Backends" data-testid="backend-list">
      {entries.map(({ config, status }) => {
        const selected = config.id === selectedId;
        return (
          <li key={config.id}>
            <button
              type="button"
              className={selected ? 'backend-list__item backend-list__item--selected' : 'backend-list__item'}
              aria-current={selected ? 'true' : undefined}
              onClick={() => onSelect(config.id)}
              data-testid="backend-row"
              data-name={config.name}
              data-state={status.state}
            >
              <span className="backend-list__top">
                <span className="backend-list__name">{config.name}</span>
                <Badge tone={stateTones[status.state]}>{status.state}</Badge>
              </span>
              <span className="backend-list__meta">
                port {status.port}
                {status.pid !== null ? ` · pid ${status.pid}` : ''}
                {config.autoStart ? ' · starts with the app' : ''}
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
