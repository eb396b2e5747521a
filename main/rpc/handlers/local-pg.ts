import { OpsError } from '../../../common/errors';
import type { Handlers } from '../router';
import type { CoreServices } from './deps';

// PLACEHOLDER until the doctor and local PostgreSQL services land (replaced in the same change set).
export function localPgHandlers(
  _services: CoreServices,
): Pick<Handlers, 'localPg.status' | 'localPg.start' | 'localPg.stop' | 'db.check'> {
  const missing = () => {
    throw new OpsError('unavailable', 'Not implemented yet');
  };
  return { 'localPg.status': missing, 'localPg.start': missing, 'localPg.stop': missing, 'db.check': missing };
}
