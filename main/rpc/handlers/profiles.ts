import { publicProfile } from '../../services/connections/profile-store';
import type { Handlers } from '../router';
import type { CoreServices } from './deps';

export function profileHandlers(
  services: CoreServices,
): Pick<
  Handlers,
  | 'profiles.list'
  | 'profiles.save'
  | 'profiles.delete'
  | 'connections.connect'
  | 'connections.disconnect'
  | 'connections.status'
> {
  const { profiles, connections } = services;
  return {
    'profiles.list': () => profiles.list().map(publicProfile),
    'profiles.save': async (input) => {
      const saved = profiles.save(input);
      // A changed profile must not keep serving an old pool.
      await connections.disconnect({ profileId: saved.id });
      return publicProfile(saved);
    },
    'profiles.delete': async (input) => {
      await connections.disconnect({ profileId: input.id });
      profiles.delete(input.id);
      return null;
    },
    'connections.connect': (input) => connections.connect(input.connection),
    'connections.disconnect': async (input) => {
      await connections.disconnect(input.connection);
      return null;
    },
    'connections.status': () => connections.status(),
  };
}
