import type { KeyboardEvent } from 'react';
import type { ConsoleTab } from './console-store';

export interface ConsoleTabsProps {
  tabs: readonly ConsoleTab[];
  activeId: string;
  onSelect(id: string): void;
  onClose(id: string): void;
  onNew(): void;
}

/** Query tabs with a close button each and a "+" for a new one. Props only. */
export function ConsoleTabs({ tabs, activeId, onSelect, onClose, onNew }: ConsoleTabsProps) {
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
    const index = tabs.findIndex((t) => t.id === activeId);
    const next = tabs[(index + (event.key === 'ArrowRight' ? 1 : -1) + tabs.length) % tabs.length];
    if (!next) return;
    event.preventDefault();
    onSelect(next.id);
    document.getElementById(`console-tab-${next.id}`)?.focus();
  };
  return (
    <div className="console-tabs">
      <div className="console-tabs__list" role="tablist" aria-label="Query tabs" onKeyDown={onKeyDown}>
        {tabs.map((tab) => {
          const active = tab.id === activeId;
          return (
            <div
              key={tab.id}
              className={active ? 'console-tab console-tab--active' : 'console-tab'}
              data-testid="console-tab"
              data-tab-id={tab.id}
              data-active={active}
            >
              <button
                id={`console-tab-${tab.id}`}
                type="button"
                role="tab"
                className="console-tab__label"
                aria-selected={active}
                aria-controls="console-panel"
                tabIndex={active ? 0 : -1}
                onClick={() => onSelect(tab.id)}
              >
                {tab.running ? <span className="console-tab__busy" aria-label="running" /> : null}
                {tab.title}
                {tab.allowWrite ? (
                  <span className="console-tab__write" title="Writes allowed in this tab">
                    W
                  </span>
                ) : null}
              </button>
              <button
                type="button"
                className="console-tab__close"
                onClick={() => onClose(tab.id)}
                aria-label={`Close ${tab.title}`}
                title={tab.running ? `Close ${tab.title} (cancels its query)` : `Close ${tab.title}`}
                data-testid="console-tab-close"
              >
                ✕
              </button>
            </div>
          );
        })}
      </div>
      <button
        type="button"
        className="console-tabs__new"
        onClick={onNew}
        aria-label="New query tab"
        title="New query tab"
        data-testid="console-new-tab"
      >
        +
      </button>
    </div>
  );
}
