import type { BackendManager } from '../../services/backend/backend-manager';
import type { Handlers } from '../router';

type BackendHandlers = Pick<
  Handlers,
  | 'backend.list'
  | 'backend.save'
  | 'backend.delete'
  | 'backend.start'
  | 'backend.stop'
  | 'backend.restart'
  | 'backend.preflight'
  | 'backend.logs'
>;

/** The supervised backends: configuration in the app store, processes and logs in the BackendManager. */
export function backendHandlers(backends: BackendManager): BackendHandlers {
  return {
    'backend.list': () => backends.list(),
    'backend.save': (input) => backends.save(input),
    'backend.delete': async (input) => {
      await backends.delete(input.id);
      return null;
    },
    'backend.start': (input) => backends.start(input.id),
    'backend.stop': (input) => backends.stop(input.id),
    'backend.restart': (input) => backends.restart(input.id),
    'backend.preflight': (input) => backends.preflight(input.id),
    'backend.logs': (input) => backends.logs(input),
  };
}
