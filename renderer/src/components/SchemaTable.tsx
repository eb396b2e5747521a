import type { SchemaSummary } from '../../../common/domain';

export interface SchemaTableProps {
  schemas: readonly SchemaSummary[];
}

export function SchemaTable({ schemas }: SchemaTableProps) {
  if (schemas.length === 0) {
    return (
      <p className="muted" data-testid="schema-list">
        This database has no schemas to show.
      </p>
    );
  }
  return (
    <div className="table-wrap">
      <table className="data-table" data-testid="schema-list">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Owner</th>
            <th scope="col" className="num">
              Relations
            </th>
            <th scope="col">Comment</th>
          </tr>
        </thead>
        <tbody>
          {schemas.map((schema) => (
            <tr key={schema.name} data-testid="schema-row">
              <td className="mono">
                {schema.name}
                {schema.isSystem ? (
                  <>
                    {' '}
                    <span className="tag">system</span>
                  </>
                ) : null}
              </td>
              <td>{schema.owner}</td>
              <td className="num">{schema.relationCount.toLocaleString()}</td>
              <td className={schema.comment ? undefined : 'muted'}>{schema.comment ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
