import { useEffect, useState } from 'react';

/**
 * The current time, refreshed every `intervalMs` while `active`: for an
 * uptime or a countdown that ticks without the store changing. Only the
 * component that calls it re-renders.
 */
export function useNow(intervalMs: number, active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const tick = () => setNow(Date.now());
    const timer = setInterval(tick, intervalMs);
    // Catch up at once when the ticking starts (the value may be old).
    const first = setTimeout(tick, 0);
    return () => {
      clearInterval(timer);
      clearTimeout(first);
    };
  }, [intervalMs, active]);
  return now;
}
