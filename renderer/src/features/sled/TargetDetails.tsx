import type { ConnectionProfile } from '../../../../common/profiles';
import { Badge } from '../../components/Badge';

export interface TargetDetailsProps {
  profile: ConnectionProfile;
  onGoToConnections(): void;
}

/** The load target: its database named, and loud about production and read-only. Props only. */
export function TargetDetails({ profile, onGoToConnections }: TargetDetailsProps) {
  return (
    <div className="sled-target" data-testid="sled-target">
      <p className="sled-target__line">
        Database{' '}
        <strong className="mono sled-target__database" data-testid="sled-target-database">
          {profile.database}
        </strong>{' '}
        <span className="muted">
          on{' '}
          <span className="mono">
            {profile.host}:{profile.port}
          </span>{' '}
          as <span className="mono">{profile.user}</span> (profile {profile.name})
        </span>
        {profile.production ? <Badge tone="danger">production</Badge> : null}
        {profile.readOnly ? <Badge tone="warn">read-only</Badge> : null}
      </p>
      {profile.readOnly ? (
        <div className="sled-refusal" role="alert" data-testid="sled-target-readonly">
          <p>
            <strong>Read-only profile — loading is refused.</strong> The load writes rows into{' '}
            <span className="mono">{profile.database}</span>. Turn “Read-only” off for profile {profile.name} in
            Connections, or choose another target.
          </p>
          <button className="button button--small" type="button" onClick={onGoToConnections}>
            Go to Connections
          </button>
        </div>
      ) : profile.production ? (
        <div className="sled-production" role="alert" data-testid="sled-target-production">
          <strong>PRODUCTION DATABASE.</strong> Profile {profile.name} is marked production: the load writes wallets,
          balances and AI data into <span className="mono">{profile.database}</span>. You will be asked to type its name
          before anything is written.
        </div>
      ) : null}
    </div>
  );
}
