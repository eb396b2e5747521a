import type { EnvRow } from './backend-form';

export interface EnvEditorProps {
  rows: readonly EnvRow[];
  /** Index of the row an error points at, if any. */
  invalidIndex: number | null;
  onAdd(): void;
  onChange(rowId: string, patch: Partial<Omit<EnvRow, 'rowId' | 'stored'>>): void;
  onReplace(rowId: string): void;
  onRemove(rowId: string): void;
}

/** Extra environment variables: name, value and a secret flag. A stored secret is never shown, only replaced. */
export function EnvEditor({ rows, invalidIndex, onAdd, onChange, onReplace, onRemove }: EnvEditorProps) {
  return (
    <div className="env-editor" data-testid="env-editor">
      {rows.length > 0 ? (
        <div className="env-editor__rows" role="list">
          {rows.map((row, index) => (
            <div
              key={row.rowId}
              className={index === invalidIndex ? 'env-row env-row--invalid' : 'env-row'}
              role="listitem"
              data-testid="env-row"
              data-key={row.key}
            >
              <input
                className="text-input mono env-row__key"
                type="text"
                value={row.key}
                onChange={(event) => onChange(row.rowId, { key: event.target.value })}
                placeholder="NAME"
                aria-label="Variable name"
                aria-invalid={index === invalidIndex || undefined}
                autoComplete="off"
                spellCheck={false}
                data-testid="env-key"
              />
              <span className="env-row__eq" aria-hidden="true">
                =
              </span>
              {row.stored ? (
                <span className="env-row__stored" data-testid="env-stored">
                  <span className="env-row__dots" aria-hidden="true">
                    ••••
                  </span>{' '}
                  stored
                  <button
                    className="button button--small"
                    type="button"
                    onClick={() => onReplace(row.rowId)}
                    data-testid="env-replace"
                  >
                    Replace
                  </button>
                </span>
              ) : (
                <input
                  className="text-input mono env-row__value"
                  type={row.secret ? 'password' : 'text'}
                  value={row.value}
                  onChange={(event) => onChange(row.rowId, { value: event.target.value })}
                  placeholder={row.secret ? 'secret value (stored encrypted)' : 'value'}
                  aria-label={`Value of ${row.key || 'the variable'}`}
                  autoComplete={row.secret ? 'new-password' : 'off'}
                  spellCheck={false}
                  data-testid="env-value"
                />
              )}
              <label className="checkbox env-row__secret">
                <input
                  type="checkbox"
                  checked={row.secret}
                  onChange={(event) => onChange(row.rowId, { secret: event.target.checked })}
                  data-testid="env-secret"
                />
                Secret
              </label>
              <button
                className="button button--small button--quiet-danger"
                type="button"
                onClick={() => onRemove(row.rowId)}
                aria-label={`Remove ${row.key || 'this variable'}`}
                data-testid="env-remove"
              >
                Remove
              </button>
            </div>
          ))}
        </div>
      ) : null}
      <div>
        <button className="button button--small" type="button" onClick={onAdd} data-testid="env-add">
          Add variable
        </button>
      </div>
    </div>
  );
}
