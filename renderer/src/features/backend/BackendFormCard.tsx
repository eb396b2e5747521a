import type { FormEvent, ReactNode } from 'react';
import { useId } from 'react';
import type { RestartPolicy } from '../../../../common/backend';
import { restartPolicies } from '../../../../common/backend';
import type { ConnectionProfile } from '../../../../common/profiles';
import { ErrorBox } from '../../components/ErrorBox';
import { BrowseButton } from '../files/BrowseButton';
import type { BackendForm, BackendFormField, EnvRow, FormError, NumberField } from './backend-form';
import { defaultHealthUrl } from './backend-form';
import { EnvEditor } from './EnvEditor';

export interface BackendFormCardProps {
  form: BackendForm;
  saving: boolean;
  error: FormError | null;
  profiles: readonly ConnectionProfile[];
  onChange(patch: Partial<Omit<BackendForm, 'env' | 'id'>>): void;
  onEnvAdd(): void;
  onEnvChange(rowId: string, patch: Partial<Omit<EnvRow, 'rowId' | 'stored'>>): void;
  onEnvReplace(rowId: string): void;
  onEnvRemove(rowId: string): void;
  onSave(): void;
  onCancel(): void;
}

const policyLabels: Record<RestartPolicy, string> = {
  never: 'never — a crash stays crashed',
  'on-failure': 'on failure — restart after a non-zero exit or a signal',
  always: 'always — restart after any exit nobody asked for',
};

function isPolicy(value: string): value is RestartPolicy {
  return (restartPolicies as readonly string[]).includes(value);
}

/** Create or edit a backend configuration. Props only; the store turns the form into backend.save input. */
export function BackendFormCard(props: BackendFormCardProps) {
  const { form, saving, error, profiles, onChange, onSave, onCancel } = props;
  const id = useId();
  const f = (name: string) => `${id}-${name}`;
  const invalid = error?.field ?? null;
  const envIndex = invalid?.startsWith('env.') ? Number(invalid.slice(4)) : null;
  const profileMissing = form.databaseProfileId !== '' && !profiles.some((p) => p.id === form.databaseProfileId);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    onSave();
  };

  const text = (
    field: 'name' | 'binaryPath' | 'cwd' | 'healthUrl',
    options: { mono?: boolean; placeholder?: string },
  ) => (
    <input
      id={f(field)}
      className={`text-input${options.mono ? ' mono' : ''}`}
      type="text"
      value={form[field]}
      onChange={(event) => onChange({ [field]: event.target.value })}
      placeholder={options.placeholder}
      aria-invalid={invalid === field || undefined}
      autoComplete="off"
      spellCheck={false}
      data-testid={`backend-${field}-input`}
    />
  );

  // A path input with its Browse… button (shown in the desktop app only).
  const pathField = (field: 'binaryPath' | 'cwd', choose: 'file' | 'folder', title: string, placeholder: string) => (
    <div className="path-field">
      {text(field, { mono: true, placeholder })}
      <BrowseButton
        title={title}
        choose={choose}
        current={form[field]}
        onPick={(paths) => onChange({ [field]: paths[0]! })}
        testId={`backend-${field}-browse`}
      />
    </div>
  );

  const number = (field: NumberField, label: string, unit?: string) => (
    <span className="number-field">
      <input
        id={f(field)}
        className="text-input form-grid__number"
        type="text"
        inputMode="decimal"
        value={form[field]}
        onChange={(event) => onChange({ [field]: event.target.value })}
        aria-label={label}
        aria-invalid={invalid === field || undefined}
        data-testid={`backend-${field}-input`}
      />
      {unit ? <span className="number-field__unit">{unit}</span> : null}
    </span>
  );

  const sub = (field: NumberField, label: string, unit?: string) => (
    <span className="number-group">
      <label className="number-group__label" htmlFor={f(field)}>
        {label}
      </label>
      {number(field, label, unit)}
    </span>
  );

  return (
    <form
      className="card backend-form"
      onSubmit={onSubmit}
      noValidate
      aria-labelledby={f('title')}
      data-testid="backend-form"
    >
      <h2 className="card__title" id={f('title')}>
        {form.id ? `Edit backend “${form.name}”` : 'New backend'}
      </h2>

      <div className="form-grid">
        <Row label="Name" htmlFor={f('name')} field="name" error={error}>
          {text('name', { placeholder: 'e.g. api' })}
        </Row>
        <span className="field-label">Auto-start</span>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={form.autoStart}
            onChange={(event) => onChange({ autoStart: event.target.checked })}
            data-testid="backend-autostart"
          />
          Start with the app
        </label>
      </div>

      <Group title="Process">
        <Row label="Binary path" htmlFor={f('binaryPath')} field="binaryPath" error={error}>
          {pathField('binaryPath', 'file', 'Choose the backend binary', '/path/to/bin/server')}
        </Row>
        <Row
          label="Arguments"
          htmlFor={f('argsText')}
          field="argsText"
          error={error}
          note="One argument per line, passed as they are (no shell). Blank lines are ignored."
        >
          <textarea
            id={f('argsText')}
            className="text-input mono backend-form__args"
            value={form.argsText}
            onChange={(event) => onChange({ argsText: event.target.value })}
            rows={Math.min(6, Math.max(2, form.argsText.split('\n').length + 1))}
            spellCheck={false}
            aria-invalid={invalid === 'argsText' || undefined}
            data-testid="backend-args-input"
          />
        </Row>
        <Row label="Working directory" htmlFor={f('cwd')} field="cwd" error={error}>
          {pathField('cwd', 'folder', 'Choose the working directory', 'empty: the binary’s folder')}
        </Row>
      </Group>

      <Group title="Environment">
        <Row
          label="DATABASE_URL"
          htmlFor={f('profile')}
          field="databaseProfileId"
          error={error}
          note="Built from the chosen connection profile (its password included) when the backend starts."
        >
          <select
            id={f('profile')}
            className="select"
            value={form.databaseProfileId}
            onChange={(event) => onChange({ databaseProfileId: event.target.value })}
            data-testid="backend-profile-select"
          >
            <option value="">none</option>
            {profiles.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
            {profileMissing ? <option value={form.databaseProfileId}>a deleted profile</option> : null}
          </select>
        </Row>
        <Row label="Port" htmlFor={f('port')} field="port" error={error} note="Given to the backend as PORT.">
          {number('port', 'Port')}
        </Row>
        <Row
          label="Extra variables"
          field={envIndex !== null ? invalid : null}
          error={error}
          note="Added after PORT and DATABASE_URL. Secret values are stored encrypted and never shown again."
        >
          <EnvEditor
            rows={form.env}
            invalidIndex={envIndex}
            onAdd={props.onEnvAdd}
            onChange={props.onEnvChange}
            onReplace={props.onEnvReplace}
            onRemove={props.onEnvRemove}
          />
        </Row>
      </Group>

      <Group title="Health">
        <Row
          label="Health URL"
          htmlFor={f('healthUrl')}
          field="healthUrl"
          error={error}
          note="Empty: the default shown. $PORT is replaced by the port."
        >
          {text('healthUrl', { mono: true, placeholder: defaultHealthUrl(form.port) })}
        </Row>
        <Row
          label="Probes"
          field={pick(invalid, ['probeIntervalMs', 'probeTimeoutMs', 'failureThreshold'])}
          error={error}
        >
          <div className="form-grid__inline">
            {sub('probeIntervalMs', 'Every', 'ms')}
            {sub('probeTimeoutMs', 'Timeout', 'ms')}
            {sub('failureThreshold', 'Unhealthy after', 'failures')}
          </div>
        </Row>
        <Row
          label="Start timeout"
          field="startTimeoutMs"
          error={error}
          note="Without a successful probe by then, the backend is marked unhealthy."
        >
          {number('startTimeoutMs', 'Start timeout', 'ms')}
        </Row>
      </Group>

      <Group title="Restart">
        <Row label="Policy" htmlFor={f('policy')} field="restartPolicy" error={error}>
          <select
            id={f('policy')}
            className="select"
            value={form.restartPolicy}
            onChange={(event) => {
              if (isPolicy(event.target.value)) onChange({ restartPolicy: event.target.value });
            }}
            data-testid="backend-policy-select"
          >
            {restartPolicies.map((p) => (
              <option key={p} value={p}>
                {policyLabels[p]}
              </option>
            ))}
          </select>
        </Row>
        <Row
          label="Backoff"
          field={pick(invalid, ['backoffInitialMs', 'backoffMaxMs', 'backoffMultiplier'])}
          error={error}
          note="The wait before restart n is initial × multiplier^(n−1), at most the maximum."
        >
          <div className="form-grid__inline">
            {sub('backoffInitialMs', 'Initial', 'ms')}
            {sub('backoffMaxMs', 'Maximum', 'ms')}
            {sub('backoffMultiplier', 'Multiplier', '×')}
          </div>
        </Row>
        <Row
          label="Crash limit"
          field={pick(invalid, ['maxRestarts', 'restartWindowMs'])}
          error={error}
          note="One more crash within the window and the backend is failed until started by hand."
        >
          <div className="form-grid__inline">
            {sub('maxRestarts', 'At most', 'restarts')}
            {sub('restartWindowMs', 'within', 'ms')}
          </div>
        </Row>
        <Row
          label="Stable after"
          field="stableAfterMs"
          error={error}
          note="A run healthy this long resets the crash count."
        >
          {number('stableAfterMs', 'Stable after', 'ms')}
        </Row>
      </Group>

      <Group title="Stop">
        <Row
          label="Stop timeout"
          field="stopTimeoutMs"
          error={error}
          note="SIGTERM to the process group first; SIGKILL after this long."
        >
          {number('stopTimeoutMs', 'Stop timeout', 'ms')}
        </Row>
      </Group>

      {error ? <ErrorBox error={error.error} title="Could not save the backend" testId="backend-form-error" /> : null}

      <div className="form-actions">
        <button className="button" type="button" onClick={onCancel} data-testid="backend-cancel">
          Cancel
        </button>
        <button className="button button--primary" type="submit" disabled={saving} data-testid="backend-save">
          {saving ? 'Saving…' : form.id ? 'Save changes' : 'Create backend'}
        </button>
      </div>
    </form>
  );
}

function pick(invalid: BackendFormField | null, fields: readonly BackendFormField[]): BackendFormField | null {
  return invalid !== null && fields.includes(invalid) ? invalid : null;
}

function Group({ title, children }: { title: string; children: ReactNode }) {
  return (
    <fieldset className="form-group">
      <legend className="form-group__title">{title}</legend>
      <div className="form-grid">{children}</div>
    </fieldset>
  );
}

interface RowProps {
  label: string;
  htmlFor?: string;
  /** The field this row holds, when the error points at it (its message shows under the row). */
  field: BackendFormField | null;
  error: FormError | null;
  note?: string;
  children: ReactNode;
}

function Row({ label, htmlFor, field, error, note, children }: RowProps) {
  const message = field !== null && error?.field === field ? error.error.message : null;
  return (
    <>
      {htmlFor ? (
        <label className="field-label" htmlFor={htmlFor}>
          {label}
        </label>
      ) : (
        <span className="field-label">{label}</span>
      )}
      <div className="form-grid__field">
        {children}
        {message ? (
          <p className="field-error" role="alert" data-testid="backend-field-error">
            {message}
          </p>
        ) : note ? (
          <p className="field-note">{note}</p>
        ) : null}
      </div>
    </>
  );
}
