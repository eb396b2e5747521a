import { useLayoutEffect, useRef } from 'react';
import type { BackendConfigView, BackendExit, BackendLogLine, BackendStatus } from '../../../../common/backend';
import { Badge } from '../../components/Badge';
import { KeyValue } from '../../components/KeyValue';
import {
  describeExit,
  describeProbe,
  formatBytes,
  formatClock,
  formatCountdown,
  formatDuration,
  formatLineTime,
  stateDescriptions,
  stateTones,
} from './backend-format';
import { isAlive } from './backends-state';
import { useNow } from './use-now';

export interface BackendStatusPanelProps {
  status: BackendStatus;
  config: Pick<BackendConfigView, 'maxRestarts' | 'restartWindowMs'>;
}

/** State and reason, process facts, the last exit and probe; backoff counts down; a crash shows its last lines. */
export function BackendStatusPanel({ status, config }: BackendStatusPanelProps) {
  const showCrash =
    (status.state === 'crashed' || status.state === 'failed' || status.state === 'backoff') && status.lastExit !== null;
  return (
    <section className="card backend-status" data-testid="backend-status" data-state={status.state}>
      <div className="backend-status__head">
        <Badge tone={stateTones[status.state]} testId="backend-status-state">
          {status.state}
        </Badge>
        <span className="backend-status__reason" data-testid="backend-status-reason">
          {status.reason ?? stateDescriptions[status.state]}
        </span>
      </div>
      {status.state === 'backoff' && status.restartAt ? <Countdown restartAt={status.restartAt} /> : null}
      <KeyValue
        items={[
          { label: 'PID', value: status.pid ?? '—', testId: 'backend-pid' },
          {
            label: 'Uptime',
            value: status.startedAt && isAlive(status.state) ? <Uptime startedAt={status.startedAt} /> : '—',
            testId: 'backend-uptime',
          },
          {
            label: 'Restarts',
            value: `${status.restarts} (at most ${config.maxRestarts} within ${formatDuration(config.restartWindowMs)})`,
            testId: 'backend-restarts',
          },
          { label: 'Last exit', value: status.lastExit ? <ExitText exit={status.lastExit} /> : '—' },
          {
            label: 'Last probe',
            value: status.lastProbe ? (
              <span
                className={status.lastProbe.ok ? 'probe probe--ok' : 'probe probe--failed'}
                data-ok={status.lastProbe.ok}
                title={`at ${formatClock(status.lastProbe.at)}`}
              >
                {describeProbe(status.lastProbe)}
              </span>
            ) : (
              '—'
            ),
            testId: 'backend-probe',
          },
          { label: 'Health URL', value: status.healthUrl, mono: true, testId: 'backend-health-url' },
          {
            label: 'CPU',
            value: status.cpuPercent !== null ? `${status.cpuPercent.toFixed(1)} %` : '—',
            testId: 'backend-cpu',
          },
          {
            label: 'Memory',
            value: status.memoryBytes !== null ? formatBytes(status.memoryBytes) : '—',
            testId: 'backend-memory',
          },
        ]}
      />
      {showCrash && status.lastExit ? <CrashLines exit={status.lastExit} /> : null}
    </section>
  );
}

function ExitText({ exit }: { exit: BackendExit }) {
  return (
    <span data-testid="backend-last-exit" data-code={exit.code ?? ''} data-signal={exit.signal ?? ''}>
      {describeExit(exit)} <span className="muted">at {formatClock(exit.at)}</span>
    </span>
  );
}

function Uptime({ startedAt }: { startedAt: string }) {
  const now = useNow(1000);
  return <>{formatDuration(now - new Date(startedAt).getTime())}</>;
}

function Countdown({ restartAt }: { restartAt: string }) {
  const now = useNow(100);
  const left = new Date(restartAt).getTime() - now;
  return (
    <p className="backend-status__countdown" data-testid="backend-countdown" role="timer">
      {left > 0 ? <>Restarting in {formatCountdown(left)}</> : 'Restarting…'}
    </p>
  );
}

function CrashLines({ exit }: { exit: BackendExit }) {
  const bodyRef = useRef<HTMLDivElement>(null);
  // The lines right before the exit matter most: show the end.
  useLayoutEffect(() => {
    const body = bodyRef.current;
    if (body) body.scrollTop = body.scrollHeight;
  }, [exit]);
  return (
    <div className="crash-lines" data-testid="backend-crash-lines">
      <div className="crash-lines__title">
        Last {exit.lastLines.length === 1 ? 'line' : `${exit.lastLines.length} lines`} before it {describeExit(exit)}
      </div>
      {exit.lastLines.length > 0 ? (
        <div ref={bodyRef} className="crash-lines__body" tabIndex={0} aria-label="Last lines before the exit">
          {exit.lastLines.map((line) => (
            <StaticLine key={line.seq} line={line} />
          ))}
        </div>
      ) : (
        <p className="muted">The process printed nothing.</p>
      )}
    </div>
  );
}

export function StaticLine({ line }: { line: BackendLogLine }) {
  return (
    <div className="backend-line" data-stream={line.stream} data-testid="crash-line">
      <span className="backend-line__time" title={line.at}>
        {formatLineTime(line.at)}
      </span>
      <span className={`backend-line__stream stream--${line.stream}`}>{line.stream}</span>
      <span className="backend-line__text">{line.text}</span>
    </div>
  );
}
