import type { PoolStats } from '../../../../common/profiles';

/** "pool 2/10 · 1 idle · 0 waiting". Props only. */
export function PoolStatsText({ pool }: { pool: PoolStats }) {
  return (
    <span className="pool-stats" title="Connections open / pool size, idle connections, callers waiting">
      pool {pool.total}/{pool.max} · {pool.idle} idle · {pool.waiting} waiting
    </span>
  );
}
