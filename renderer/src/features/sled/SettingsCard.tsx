import { useId } from 'react';
import { DEFAULT_SLED_NAMESPACE } from '../../../../common/sled';
import { ErrorBox } from '../../components/ErrorBox';
import { formatTtl } from './sled-format';
import { fieldErrors, isDefaultNamespace, isRunning, planTitle, settingsChanged, settingsOfForm } from './sled-state';
import { useSled } from './sled-hooks';

/** The plan's choices — cache TTL, UUID namespace, wallet secrets — and Re-plan, which saves them and recounts. */
export function SettingsCard({ targetId }: { targetId: string | null }) {
  const id = useId();
  const form = useSled((s) => s.settingsForm);
  const planning = useSled((s) => s.planning);
  const planError = useSled((s) => s.planError);
  const changed = useSled(settingsChanged);
  const running = useSled(isRunning);
  const update = useSled((s) => s.updateSettings);
  const resetNamespace = useSled((s) => s.resetNamespace);
  const makePlan = useSled((s) => s.makePlan);
  if (!form) return null;
  const fields = fieldErrors(planError);
  const built = settingsOfForm(form);
  const ttlError = fields.cacheTtlSeconds;
  const namespaceError = fields.uuidNamespace;
  return (
    <form
      className="card sled-settings"
      aria-labelledby={`${id}-title`}
      onSubmit={(event) => {
        event.preventDefault();
        void makePlan(targetId ? { profileId: targetId } : null, true);
      }}
      data-testid="sled-settings"
    >
      <h2 className="card__title" id={`${id}-title`}>
        Settings
      </h2>
      <div className="sled-settings__grid">
        <fieldset className="sled-fieldset">
          <legend className="field-label">Cache TTL</legend>
          <div className="sled-settings__ttl">
            <input
              id={`${id}-days`}
              className="text-input sled-settings__number"
              type="text"
              inputMode="numeric"
              value={form.ttlDays}
              onChange={(event) => update({ ttlDays: event.target.value })}
              aria-invalid={ttlError !== undefined || !built.ok}
              autoComplete="off"
              data-testid="sled-ttl-days"
            />
            <label htmlFor={`${id}-days`}>days</label>
            <input
              id={`${id}-hours`}
              className="text-input sled-settings__number"
              type="text"
              inputMode="numeric"
              value={form.ttlHours}
              onChange={(event) => update({ ttlHours: event.target.value })}
              aria-invalid={ttlError !== undefined || !built.ok}
              autoComplete="off"
              data-testid="sled-ttl-hours"
            />
            <label htmlFor={`${id}-hours`}>hours</label>
          </div>
          <span className="field-note">
            <span className="mono">ai.cache_entries.expires_at</span> = cached_at +{' '}
            {built.ok ? formatTtl(built.settings.cacheTtlSeconds) : 'the TTL'}. Default 7 days.
            {form.ttlExtraSeconds > 0 ? ` Includes ${form.ttlExtraSeconds} s set elsewhere.` : ''}
          </span>
          {ttlError ? (
            <span className="sled-field-error" data-testid="sled-ttl-error">
              {ttlError}
            </span>
          ) : null}
        </fieldset>
        <div className="sled-fieldset">
          <label className="field-label" htmlFor={`${id}-ns`}>
            UUID namespace
          </label>
          <div className="sled-settings__namespace">
            <input
              id={`${id}-ns`}
              className="text-input mono"
              type="text"
              value={form.uuidNamespace}
              onChange={(event) => update({ uuidNamespace: event.target.value })}
              aria-invalid={namespaceError !== undefined}
              spellCheck={false}
              autoComplete="off"
              data-testid="sled-namespace"
            />
            <button
              className="button button--small"
              type="button"
              onClick={resetNamespace}
              disabled={isDefaultNamespace(form.uuidNamespace)}
              title={`Back to ${DEFAULT_SLED_NAMESPACE}`}
              data-testid="sled-namespace-reset"
            >
              Reset to default
            </button>
          </div>
          <span className="field-note">
            Sled user ids become UUIDv5 under this namespace, so re-runs and other services compute the same ids.
            {isDefaultNamespace(form.uuidNamespace) ? ' This is the documented default.' : ''}
          </span>
          {namespaceError ? (
            <span className="sled-field-error" data-testid="sled-namespace-error">
              {namespaceError}
            </span>
          ) : null}
        </div>
        <fieldset className="sled-fieldset sled-fieldset--wide">
          <legend className="field-label">Wallet secrets (plaintext keypairs in the export)</legend>
          <label className="sled-radio">
            <input
              type="radio"
              name={`${id}-secrets`}
              value="encrypt"
              checked={form.secrets === 'encrypt'}
              onChange={() => update({ secrets: 'encrypt' })}
              data-testid="sled-secrets-encrypt"
            />
            <span>Encrypt with pgcrypto (passphrase asked at load)</span>
          </label>
          <label className="sled-radio">
            <input
              type="radio"
              name={`${id}-secrets`}
              value="skip"
              checked={form.secrets === 'skip'}
              onChange={() => update({ secrets: 'skip' })}
              data-testid="sled-secrets-skip"
            />
            <span>
              Leave out{' '}
              <span className="muted">
                — <span className="mono">encrypted_private_key</span> stays empty; the report counts them
              </span>
            </span>
          </label>
        </fieldset>
      </div>
      {planError ? <ErrorBox error={planError} title={planTitle(planError)} testId="sled-plan-error" /> : null}
      <div className="sled-actions">
        <button
          className={changed ? 'button button--primary' : 'button'}
          type="submit"
          disabled={planning || running}
          data-testid="sled-replan"
        >
          {planning ? 'Planning…' : 'Re-plan'}
        </button>
        {changed ? (
          <span className="sled-unsaved" data-testid="sled-settings-unsaved">
            Changed — Re-plan saves these settings and recounts.
          </span>
        ) : (
          <span className="field-note">Saved in the staging database; Re-plan also re-checks the target.</span>
        )}
      </div>
    </form>
  );
}
