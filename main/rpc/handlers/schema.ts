import { OpsError } from '../../../common/errors';
import type { Handlers } from '../router';
import type { CoreServices } from './deps';

// PLACEHOLDER until the catalog service lands (replaced in the same change set).
export function schemaHandlers(_services: CoreServices): Pick<Handlers, 'schema.model' | 'schema.count'> {
  const missing = () => {
    throw new OpsError('unavailable', 'Not implemented yet');
  };
  return { 'schema.model': missing, 'schema.count': missing };
}
