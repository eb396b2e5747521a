import { Fragment, useState } from 'react';
import type { SledPlan, SledPlanTable } from '../../../../common/sled';
import { ProblemList } from './SummaryStep';
import { SamplesTable } from './SamplesTable';
import { formatCount, formatFodi, formatTtl, plural } from './sled-format';

export interface PlanResultProps {
  plan: SledPlan;
  /** The plan no longer matches the form or the target: say so over the numbers. */
  stale: boolean;
}

/** Per target table: rows to insert, to skip (with the reasons), already loaded, wallet updates; then problems and totals. Props only. */
export function PlanResult({ plan, stale }: PlanResultProps) {
  const insert = plan.tables.reduce((sum, t) => sum + t.toInsert, 0);
  const problemCount = plan.problems.reduce((sum, p) => sum + p.count, 0);
  return (
    <section
      className={stale ? 'card sled-plan sled-plan--stale' : 'card sled-plan'}
      aria-labelledby="sled-plan-title"
      data-testid="sled-plan"
      data-stale={stale}
    >
      <div className="sled-card-head">
        <h2 className="card__title" id="sled-plan-title">
          Plan
        </h2>
        <span className="field-note" data-testid="sled-plan-checked">
          {plan.checkedAgainst ? (
            <>
              Already-loaded counts checked against <span className="mono">{plan.checkedAgainst}</span>
            </>
          ) : (
            'From the staging database only — not checked against a target'
          )}
        </span>
      </div>
      {stale ? (
        <p className="sled-unsaved" data-testid="sled-plan-stale">
          These numbers are from before your changes — Re-plan to save the settings and recount for the target.
        </p>
      ) : null}
      <PlanTables tables={plan.tables} />
      <dl className="sled-totals">
        <div className="sled-totals__item">
          <dt>Rows to insert</dt>
          <dd data-testid="sled-plan-insert">{formatCount(insert)}</dd>
        </div>
        <div className="sled-totals__item">
          <dt>Balance total</dt>
          <dd data-testid="sled-balance-total" title={`${plan.balanceTotal} units of 1e-9 FODI`}>
            <span className="mono">{formatFodi(plan.balanceTotal)}</span> FODI
          </dd>
        </div>
        <div className="sled-totals__item">
          <dt>Wallet secrets</dt>
          <dd data-testid="sled-plan-secrets">
            {plural(plan.secrets.wallets, 'wallet')} —{' '}
            {plan.secrets.wallets === 0
              ? 'none to handle'
              : plan.secrets.mode === 'encrypt'
                ? 'encrypted with pgcrypto at load'
                : 'left out'}
          </dd>
        </div>
        <div className="sled-totals__item">
          <dt>Cache TTL</dt>
          <dd data-testid="sled-plan-ttl">{formatTtl(plan.settings.cacheTtlSeconds)}</dd>
        </div>
      </dl>
      <h3 className="card__subtitle">
        Problems <span className="count">{formatCount(problemCount)}</span>
      </h3>
      {plan.problems.length === 0 ? (
        <p className="sled-ok-note">None: every entry decoded and fits its column.</p>
      ) : (
        <ProblemList
          kinds={plan.problems.map((p) => p.kind)}
          counts={Object.fromEntries(plan.problems.map((p) => [p.kind, p.count]))}
          problems={plan.problems}
        />
      )}
    </section>
  );
}

function PlanTables({ tables }: { tables: readonly SledPlanTable[] }) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (target: string) =>
    setOpen((current) => {
      const next = new Set(current);
      if (next.has(target)) next.delete(target);
      else next.add(target);
      return next;
    });
  return (
    <div className="table-wrap">
      <table className="data-table sled-plan-table" aria-label="Plan by target table" data-testid="sled-plan-tables">
        <colgroup>
          <col />
          <col className="sled-plan-table__count" />
          <col className="sled-plan-table__count" />
          <col className="sled-plan-table__count sled-plan-table__count--wide" />
          <col className="sled-plan-table__count sled-plan-table__count--wide" />
        </colgroup>
        <thead>
          <tr>
            <th>Target table</th>
            <th className="num">Insert</th>
            <th className="num">Skip</th>
            <th className="num">Already loaded</th>
            <th className="num">Wallet updates</th>
          </tr>
        </thead>
        <tbody>
          {tables.map((t) => {
            const expanded = open.has(t.target);
            const panelId = `sled-skip-${t.target.replace(/\W/g, '-')}`;
            return (
              <Fragment key={t.target}>
                <tr data-testid="sled-plan-row" data-target={t.target}>
                  <td>
                    <span className="mono">{t.target}</span>
                    {t.skipReasons.length > 0 ? (
                      <button
                        className="link-button sled-plan-table__toggle"
                        type="button"
                        onClick={() => toggle(t.target)}
                        aria-expanded={expanded}
                        aria-controls={expanded ? panelId : undefined}
                        aria-label={`${expanded ? 'Hide' : 'Show'} skip reasons for ${t.target}`}
                        data-testid="sled-plan-reasons-toggle"
                      >
                        {expanded ? '▾ Hide skip reasons' : `▸ ${plural(t.skipReasons.length, 'skip reason')}`}
                      </button>
                    ) : null}
                  </td>
                  <td className="num" data-testid="sled-plan-to-insert">
                    {formatCount(t.toInsert)}
                  </td>
                  <td className="num" data-testid="sled-plan-to-skip">
                    {formatCount(t.toSkip)}
                  </td>
                  <td className="num" data-testid="sled-plan-already">
                    {formatCount(t.alreadyLoaded)}
                  </td>
                  <td className="num">{t.walletUpdates === undefined ? '—' : formatCount(t.walletUpdates)}</td>
                </tr>
                {expanded ? (
                  <tr className="sled-plan-table__detail" id={panelId}>
                    <td colSpan={5}>
                      <ul className="sled-reasons">
                        {t.skipReasons.map((r) => (
                          <li key={r.reason} className="sled-reason" data-testid="sled-skip-reason">
                            <p className="sled-reason__head">
                              <strong>{formatCount(r.count)}</strong> {r.reason}
                            </p>
                            <SamplesTable samples={r.samples} total={r.count} label={`Samples: ${r.reason}`} />
                          </li>
                        ))}
                      </ul>
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
