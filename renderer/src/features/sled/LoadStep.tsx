import { useId, useState } from 'react';
import type { ConnectionProfile } from '../../../../common/profiles';
import type { SledPlan } from '../../../../common/sled';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { useConnections, useNavigation } from '../../stores';
import { RunCard } from './RunCard';
import { TargetDetails } from './TargetDetails';
import { formatCount, formatFodi, formatTime, plural } from './sled-format';
import { fieldErrors, isRunning } from './sled-state';
import { useSled } from './sled-hooks';

/**
 * Step 4: the confirmation naming the database, the passphrase for wallet secrets when they are
 * encrypted, the load with live progress and Cancel. The passphrase is this component's state only:
 * it goes to main with the load call and is cleared as the call starts; the store never holds it.
 */
export function LoadStep() {
  const plan = useSled((s) => s.plan);
  const targetId = useSled((s) => s.targetId);
  const profile = useConnections((s) => s.profiles.find((p) => p.id === targetId) ?? null);
  const navigate = useNavigation((s) => s.navigate);
  if (!plan || !profile) {
    return (
      <div className="sled-step" data-testid="sled-load-step">
        <p className="muted">Choose the target and make the plan first.</p>
      </div>
    );
  }
  return (
    <div className="sled-step" data-testid="sled-load-step">
      <section className="card" aria-label="Load target">
        <h2 className="card__title">Load into</h2>
        <TargetDetails profile={profile} onGoToConnections={() => navigate('connections')} />
        <LoadSummary plan={plan} />
      </section>
      <RunCard kind="load" />
      <LoadForm plan={plan} profile={profile} />
    </div>
  );
}

function LoadSummary({ plan }: { plan: SledPlan }) {
  const lastLoadAt = useSled((s) => s.imports.find((i) => i.id === s.currentId)?.lastLoadAt ?? null);
  const insert = plan.tables.reduce((sum, t) => sum + t.toInsert, 0);
  const already = plan.tables.reduce((sum, t) => sum + t.alreadyLoaded, 0);
  const problems = plan.problems.reduce((sum, p) => sum + p.count, 0);
  return (
    <ul className="sled-load-summary" data-testid="sled-load-summary">
      <li>
        <strong>{formatCount(insert)}</strong> rows to insert across {plural(plan.tables.length, 'table')}
        {already > 0 ? <>, {formatCount(already)} already loaded (left as they are)</> : null}.
      </li>
      <li>
        Opening balances totalling <span className="mono">{formatFodi(plan.balanceTotal)}</span> FODI.
      </li>
      {problems > 0 ? (
        <li>{plural(problems, 'entry', 'entries')} with problems are not loaded (reported as failed).</li>
      ) : null}
      <li>
        Every batch commits with its provenance (import id and Sled key): a load stopped at any point and run again
        gives exactly the rows of one run.
      </li>
      {lastLoadAt ? (
        <li>Loaded before, on {formatTime(lastLoadAt)}: loading again adds only what is missing.</li>
      ) : null}
    </ul>
  );
}

function LoadForm({ plan, profile }: { plan: SledPlan; profile: ConnectionProfile }) {
  const id = useId();
  const [passphrase, setPassphrase] = useState('');
  const [repeat, setRepeat] = useState('');
  const running = useSled(isRunning);
  const confirm = useSled((s) => s.loadConfirm);
  const runError = useSled((s) =>
    s.run?.kind === 'load' && s.run.outcome?.kind === 'failed' ? s.run.outcome.error : null,
  );
  const askLoad = useSled((s) => s.askLoad);
  const setTyped = useSled((s) => s.setConfirmTyped);
  const cancelLoad = useSled((s) => s.cancelLoad);
  const confirmLoad = useSled((s) => s.confirmLoad);

  const encrypt = plan.settings.secrets === 'encrypt';
  const passphraseError = fieldErrors(runError).passphrase;
  const blocked = profile.readOnly
    ? `Profile ${profile.name} is read-only: loading is refused.`
    : encrypt && passphrase === ''
      ? 'Give the passphrase that encrypts the wallet secrets.'
      : encrypt && passphrase !== repeat
        ? 'The two passphrases differ.'
        : null;

  const start = () => {
    const given = encrypt ? passphrase : undefined;
    // Out of every state before the call goes: nothing keeps it once main has it.
    setPassphrase('');
    setRepeat('');
    void confirmLoad(given);
  };

  return (
    <>
      <form
        className="card sled-load"
        aria-labelledby={`${id}-title`}
        autoComplete="off"
        onSubmit={(event) => {
          event.preventDefault();
          if (blocked === null) askLoad(profile);
        }}
      >
        <h2 className="card__title" id={`${id}-title`}>
          Load
        </h2>
        {encrypt ? (
          <div className="sled-passphrase">
            <p className="field-note">
              {plural(plan.secrets.wallets, 'wallet')} {plan.secrets.wallets === 1 ? 'carries' : 'carry'} a plaintext
              secret. Each is encrypted with pgcrypto’s <span className="mono">pgp_sym_encrypt</span> under this
              passphrase before it is written. The passphrase is not stored anywhere: keep it, it is the only way to
              read the secrets back.
            </p>
            <div className="sled-passphrase__fields">
              <div className="sled-fieldset">
                <label className="field-label" htmlFor={`${id}-pass`}>
                  Passphrase
                </label>
                <input
                  id={`${id}-pass`}
                  className="text-input"
                  type="password"
                  autoComplete="off"
                  value={passphrase}
                  onChange={(event) => setPassphrase(event.target.value)}
                  disabled={running}
                  aria-invalid={passphraseError !== undefined}
                  data-testid="sled-passphrase"
                />
              </div>
              <div className="sled-fieldset">
                <label className="field-label" htmlFor={`${id}-repeat`}>
                  Repeat passphrase
                </label>
                <input
                  id={`${id}-repeat`}
                  className="text-input"
                  type="password"
                  autoComplete="off"
                  value={repeat}
                  onChange={(event) => setRepeat(event.target.value)}
                  disabled={running}
                  data-testid="sled-passphrase-repeat"
                />
              </div>
            </div>
            {passphraseError ? (
              <span className="sled-field-error" data-testid="sled-passphrase-error">
                {passphraseError}
              </span>
            ) : null}
          </div>
        ) : (
          <p className="field-note" data-testid="sled-secrets-left-out">
            Wallet secrets are left out ({plural(plan.secrets.wallets, 'wallet')}): their{' '}
            <span className="mono">encrypted_private_key</span> stays empty and the report counts them.
          </p>
        )}
        <div className="sled-actions">
          <button
            className={profile.production ? 'button button--danger' : 'button button--primary'}
            type="submit"
            disabled={running || blocked !== null}
            title={blocked ?? undefined}
            data-testid="sled-load-start"
          >
            Load into {profile.database}…
          </button>
          {blocked && !running ? (
            <span className="field-note" data-testid="sled-load-blocked">
              {blocked}
            </span>
          ) : null}
        </div>
      </form>
      {confirm ? (
        <ConfirmDialog
          title={`Load this import into ${confirm.database}?`}
          confirmLabel="Load"
          danger={confirm.production}
          requireText={
            confirm.production
              ? {
                  expected: confirm.database,
                  value: confirm.typed,
                  label: (
                    <>
                      Type the database name <span className="mono">{confirm.database}</span> to confirm
                    </>
                  ),
                  onChange: setTyped,
                  testId: 'sled-confirm-database',
                }
              : undefined
          }
          onConfirm={start}
          onCancel={cancelLoad}
          confirmTestId="sled-confirm-load"
          testId="sled-load-dialog"
        >
          <div className="sled-dialog-text">
            <p>
              Rows are written into the database <strong className="mono">{confirm.database}</strong>
              {confirm.production ? ' — a PRODUCTION database' : ''} on {profile.host}:{profile.port}, in batches
              committed one by one. Rows already loaded by an earlier run are left as they are.
            </p>
            <p>
              {encrypt ? 'Wallet secrets are encrypted with the passphrase you gave.' : 'Wallet secrets are left out.'}
            </p>
          </div>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
