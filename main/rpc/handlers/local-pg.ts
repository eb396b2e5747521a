import { runDoctor } from '../../services/connections/doctor';
import type { Handlers } from '../router';
import type { CoreServices } from './deps';

export function localPgHandlers(
  services: CoreServices,
): Pick<Handlers, 'localPg.status' | 'localPg.start' | 'localPg.stop' | 'db.check'> {
  const { localPg, connections } = services;
  return {
    'localPg.status': () => localPg.inspect(),
    'localPg.start': () => localPg.start(),
    'localPg.stop': async () => {
      // An explicit Stop means the server on this data folder, whichever ops-console process started it.
      await localPg.stop({ includeAdopted: true });
      return localPg.status();
    },
    'db.check': async (input) => runDoctor(await connections.resolve(input.connection)),
  };
}
