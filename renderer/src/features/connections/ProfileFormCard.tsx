import type { FormEvent } from 'react';
import { useId } from 'react';
import type { SslMode } from '../../../../common/profiles';
import { sslModes } from '../../../../common/profiles';
import type { ErrorInfo } from '../../api/error-info';
import { ErrorBox } from '../../components/ErrorBox';
import { BrowseButton } from '../files/BrowseButton';
import { anyFile } from '../files/file-dialogs';
import type { ProfileForm } from './profile-form';
import { defaultReadOnly, formHost, sslModeNeedsCa } from './profile-form';

export interface ProfileFormCardProps {
  form: ProfileForm;
  saving: boolean;
  error: ErrorInfo | null;
  /** False in serve mode and the CLI: main refuses to store passwords there. */
  canStorePasswords: boolean;
  onChange(patch: Partial<ProfileForm>): void;
  onSave(): void;
  onCancel(): void;
}

const sslLabels: Record<SslMode, string> = {
  disable: 'disable — no TLS',
  prefer: 'prefer — TLS when the server offers it',
  require: 'require — TLS, no certificate check',
  'verify-ca': 'verify-ca — TLS, certificate signed by the CA',
  'verify-full': 'verify-full — TLS, CA and host name checked',
};

function isSslMode(value: string): value is SslMode {
  return (sslModes as readonly string[]).includes(value);
}

/** Create or edit a connection profile. Props only; the store converts the form into profiles.save input. */
export function ProfileFormCard({
  form,
  saving,
  error,
  canStorePasswords,
  onChange,
  onSave,
  onCancel,
}: ProfileFormCardProps) {
  const id = useId();
  const f = (name: string) => `${id}-${name}`;
  const host = formHost(form);
  const readOnlyDefault = defaultReadOnly(host);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    onSave();
  };

  return (
    <form
      className="card profile-form"
      onSubmit={onSubmit}
      noValidate
      aria-labelledby={f('title')}
      data-testid="profile-form"
    >
      <h2 className="card__title" id={f('title')}>
        {form.id ? `Edit profile “${form.name}”` : 'New connection profile'}
      </h2>

      <div className="form-grid">
        <label className="field-label" htmlFor={f('name')}>
          Name
        </label>
        <input
          id={f('name')}
          className="text-input"
          type="text"
          value={form.name}
          onChange={(event) => onChange({ name: event.target.value })}
          placeholder="e.g. Neon production"
          autoComplete="off"
          autoFocus
          data-testid="profile-name-input"
        />

        <span className="field-label">Connect with</span>
        <div className="segmented" role="radiogroup" aria-label="Connect with">
          <label className="segmented__option">
            <input
              type="radio"
              name={f('mode')}
              checked={form.mode === 'url'}
              onChange={() => onChange({ mode: 'url' })}
              data-testid="profile-mode-url"
            />
            A URL
          </label>
          <label className="segmented__option">
            <input
              type="radio"
              name={f('mode')}
              checked={form.mode === 'fields'}
              onChange={() => onChange({ mode: 'fields' })}
              data-testid="profile-mode-fields"
            />
            Host, port, database, user
          </label>
        </div>

        {form.mode === 'url' ? (
          <>
            <label className="field-label" htmlFor={f('url')}>
              URL
            </label>
            <div className="form-grid__field">
              <input
                id={f('url')}
                className="text-input mono"
                type="text"
                value={form.url}
                onChange={(event) => onChange({ url: event.target.value })}
                placeholder="postgres://user@host:5432/database?sslmode=require"
                autoComplete="off"
                spellCheck={false}
                data-testid="profile-url-input"
              />
              <p className="field-note">
                {form.id
                  ? 'Leave empty to keep the saved host, port, database and user; a URL replaces them.'
                  : 'A password in the URL is treated like the password field below.'}
              </p>
            </div>
          </>
        ) : (
          <>
            <label className="field-label" htmlFor={f('host')}>
              Host and port
            </label>
            <div className="form-grid__inline">
              <input
                id={f('host')}
                className="text-input mono form-grid__grow"
                type="text"
                value={form.host}
                onChange={(event) => onChange({ host: event.target.value })}
                placeholder="db.example.com"
                autoComplete="off"
                spellCheck={false}
                data-testid="profile-host-input"
              />
              <input
                className="text-input mono form-grid__port"
                type="text"
                inputMode="numeric"
                aria-label="Port"
                value={form.port}
                onChange={(event) => onChange({ port: event.target.value })}
                placeholder="5432"
                data-testid="profile-port-input"
              />
            </div>
            <label className="field-label" htmlFor={f('database')}>
              Database
            </label>
            <input
              id={f('database')}
              className="text-input mono"
              type="text"
              value={form.database}
              onChange={(event) => onChange({ database: event.target.value })}
              autoComplete="off"
              spellCheck={false}
              data-testid="profile-database-input"
            />
            <label className="field-label" htmlFor={f('user')}>
              User
            </label>
            <input
              id={f('user')}
              className="text-input mono"
              type="text"
              value={form.user}
              onChange={(event) => onChange({ user: event.target.value })}
              autoComplete="off"
              spellCheck={false}
              data-testid="profile-user-input"
            />
          </>
        )}

        <label className="field-label" htmlFor={f('password')}>
          Password
        </label>
        <div className="form-grid__field">
          <div className="form-grid__inline">
            <input
              id={f('password')}
              className="text-input form-grid__grow"
              type="password"
              value={form.password}
              onChange={(event) => onChange({ password: event.target.value, removePassword: false })}
              placeholder={form.hasStoredPassword ? 'stored — leave empty to keep it' : 'not stored'}
              autoComplete="new-password"
              disabled={form.removePassword}
              data-testid="profile-password-input"
            />
            {form.hasStoredPassword ? (
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={form.removePassword}
                  onChange={(event) => onChange({ removePassword: event.target.checked, password: '' })}
                  data-testid="profile-remove-password"
                />
                Remove stored password
              </label>
            ) : null}
          </div>
          <p className="field-note">
            {form.hasStoredPassword ? (
              <span className="tag tag--ok" data-testid="profile-password-stored">
                stored
              </span>
            ) : null}{' '}
            {canStorePasswords
              ? 'Saved passwords are encrypted with the operating system keychain and never shown again.'
              : 'This window is served by ops-console serve, which cannot store passwords: leave this empty and set PGPASSWORD or use ~/.pgpass.'}
          </p>
        </div>

        <label className="field-label" htmlFor={f('ssl')}>
          SSL mode
        </label>
        <select
          id={f('ssl')}
          className="select"
          value={form.sslMode}
          onChange={(event) => {
            const value = event.target.value;
            onChange({ sslMode: isSslMode(value) ? value : '' });
          }}
          data-testid="profile-ssl-select"
        >
          <option value="">{form.mode === 'url' ? 'From the URL (else prefer)' : 'Default (prefer)'}</option>
          {sslModes.map((mode) => (
            <option key={mode} value={mode}>
              {sslLabels[mode]}
            </option>
          ))}
        </select>

        {sslModeNeedsCa(form.sslMode) ? (
          <>
            <label className="field-label" htmlFor={f('ca')}>
              CA file
            </label>
            <div className="form-grid__field">
              <div className="path-field">
                <input
                  id={f('ca')}
                  className="text-input mono"
                  type="text"
                  value={form.sslRootCert}
                  onChange={(event) => onChange({ sslRootCert: event.target.value })}
                  placeholder="/path/to/root.crt (optional)"
                  autoComplete="off"
                  spellCheck={false}
                  data-testid="profile-ca-input"
                />
                <BrowseButton
                  title="Choose the CA certificate"
                  choose="file"
                  filters={[{ name: 'Certificates', extensions: ['crt', 'pem', 'cer'] }, anyFile]}
                  current={form.sslRootCert}
                  onPick={(paths) => onChange({ sslRootCert: paths[0]! })}
                  testId="profile-ca-browse"
                />
              </div>
              <p className="field-note">A path on this machine. Empty uses the system’s trusted certificates.</p>
            </div>
          </>
        ) : null}

        <label className="field-label" htmlFor={f('pool')}>
          Pool size
        </label>
        <div className="form-grid__inline">
          <input
            id={f('pool')}
            className="text-input form-grid__number"
            type="text"
            inputMode="numeric"
            value={form.poolSize}
            onChange={(event) => onChange({ poolSize: event.target.value })}
            data-testid="profile-pool-input"
          />
          <label className="field-label field-label--inline" htmlFor={f('timeout')}>
            Statement timeout (ms)
          </label>
          <input
            id={f('timeout')}
            className="text-input form-grid__number"
            type="text"
            inputMode="numeric"
            value={form.statementTimeoutMs}
            onChange={(event) => onChange({ statementTimeoutMs: event.target.value })}
            data-testid="profile-timeout-input"
          />
          <span className="field-note">0 = none</span>
        </div>

        <span className="field-label">Safety</span>
        <div className="form-grid__field">
          <label className="checkbox">
            <input
              type="checkbox"
              checked={form.readOnly}
              onChange={(event) => onChange({ readOnly: event.target.checked })}
              data-testid="profile-readonly-checkbox"
            />
            Read-only (every transaction is read-only)
          </label>
          {!form.readOnlyTouched ? (
            <p className="field-note">
              {!readOnlyDefault
                ? 'Off by default for a server on this machine.'
                : host === null
                  ? 'On by default until the host is known to be this machine.'
                  : 'On by default: this host is not on this machine.'}
            </p>
          ) : null}
          <label className="checkbox">
            <input
              type="checkbox"
              checked={form.production}
              onChange={(event) => onChange({ production: event.target.checked })}
              data-testid="profile-production-checkbox"
            />
            Production — mark the whole window in red while connected
          </label>
        </div>
      </div>

      {error ? <ErrorBox error={error} title="Could not save the profile" testId="profile-form-error" /> : null}

      <div className="form-actions">
        <button className="button" type="button" onClick={onCancel}>
          Cancel
        </button>
        <button className="button button--primary" type="submit" disabled={saving} data-testid="profile-save">
          {saving ? 'Saving…' : form.id ? 'Save changes' : 'Save profile'}
        </button>
      </div>
    </form>
  );
}
