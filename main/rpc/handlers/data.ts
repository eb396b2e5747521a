import { OpsError } from '../../../common/errors';
import type { Handlers } from '../router';
import type { CoreServices } from './deps';

// PLACEHOLDER until the data and SQL services land (replaced in the same change set).
export function dataHandlers(
  _services: CoreServices,
): Pick<Handlers, 'data.page' | 'sql.run' | 'sql.cancel' | 'sql.explain' | 'ops.refreshMatview' | 'ops.runFunction'> {
  const missing = () => {
    throw new OpsError('unavailable', 'Not implemented yet');
  };
  return {
    'data.page': missing,
    'sql.run': missing,
    'sql.cancel': missing,
    'sql.explain': missing,
    'ops.refreshMatview': missing,
    'ops.runFunction': missing,
  };
}
