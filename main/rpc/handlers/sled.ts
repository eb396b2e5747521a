import type { Handlers } from '../router';
import type { CoreServices } from './deps';

type SledHandlers = Pick<
  Handlers,
  'sled.list' | 'sled.show' | 'sled.import' | 'sled.plan' | 'sled.load' | 'sled.cancel' | 'sled.report' | 'sled.delete'
>;

/** Migrating the legacy Sled data: import (stage), plan, load exactly once, report. */
export function sledHandlers({ sled }: CoreServices): SledHandlers {
  return {
    'sled.list': () => sled.list(),
    'sled.show': (input) => sled.show(input.id),
    'sled.import': (input) => sled.import(input),
    'sled.plan': (input) => sled.plan(input),
    'sled.load': (input) => sled.load(input),
    'sled.cancel': (input) => ({ cancelled: sled.cancel(input.runId) }),
    'sled.report': (input) => sled.report(input),
    'sled.delete': (input) => {
      sled.delete(input.id);
      return null;
    },
  };
}
