import { useId } from 'react';
import { useConnections, useNavigation } from '../../stores';
import { TargetDetails } from './TargetDetails';
import { isRunning } from './sled-state';
import { useSled } from './sled-hooks';

/** Where the load goes: a saved connection profile (the active one unless the user picks another). */
export function TargetCard() {
  const selectId = useId();
  const profiles = useConnections((s) => s.profiles);
  const targetId = useSled((s) => s.targetId);
  const running = useSled(isRunning);
  const setTarget = useSled((s) => s.setTarget);
  const navigate = useNavigation((s) => s.navigate);
  const profile = profiles.find((p) => p.id === targetId) ?? null;
  // A Quick connect URL is active: say why it is not offered (the CLI's `sled load --url` takes one).
  const activeIsUrl = useConnections((s) => s.activeConnection !== null && 'url' in s.activeConnection);
  return (
    <section className="card sled-target-card" aria-labelledby={`${selectId}-title`}>
      <h2 className="card__title" id={`${selectId}-title`}>
        Target
      </h2>
      {profiles.length === 0 ? (
        <div className="sled-target__empty">
          <p>No saved connection profiles. The load goes into a profile’s database: save one in Connections first.</p>
          <button className="button button--small" type="button" onClick={() => navigate('connections')}>
            Go to Connections
          </button>
        </div>
      ) : (
        <>
          <div className="sled-target__picker">
            <label className="field-label" htmlFor={selectId}>
              Load into
            </label>
            <select
              id={selectId}
              className="select"
              value={profile ? profile.id : ''}
              onChange={(event) => setTarget(event.target.value)}
              disabled={running}
              data-testid="sled-target-select"
            >
              {profile ? null : <option value="">Choose a connection profile…</option>}
              {profiles.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name} — {p.database} on {p.host}:{p.port}
                  {p.production ? ' (PRODUCTION)' : ''}
                  {p.readOnly ? ' (read-only)' : ''}
                </option>
              ))}
            </select>
          </div>
          {profile ? <TargetDetails profile={profile} onGoToConnections={() => navigate('connections')} /> : null}
          {!profile && activeIsUrl ? (
            <p className="field-note" data-testid="sled-target-url-note">
              The active connection is a URL from Quick connect, which the wizard does not load into: a load goes into a
              saved profile, whose read-only and production markers it obeys. Save that database as a profile in
              Connections, or load from the command line with{' '}
              <span className="mono">ops-console sled load ID --url URL</span>.
            </p>
          ) : null}
        </>
      )}
    </section>
  );
}
