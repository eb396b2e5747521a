import { describe, expect, it } from 'vitest';
import type { CatalogColumn, CatalogModel, CatalogRelation } from '../../../../common/catalog';
import { buildCompletionSchema, quoteIdentifierIfNeeded } from './completion-schema';

function column(name: string, type: string): CatalogColumn {
  return {
    name,
    position: 1,
    type,
    typeCategory: 'base',
    elementType: null,
    nullable: true,
    default: null,
    identity: null,
    generated: null,
    generationExpression: null,
    comment: null,
  };
}

function relation(schema: string, name: string, columns: CatalogColumn[]): CatalogRelation {
  return {
    schema,
    name,
    kind: 'table',
    owner: 'o',
    comment: null,
    rowEstimate: null,
    sizes: { tableBytes: 0, indexBytes: 0, toastBytes: 0, totalBytes: 0 },
    columns,
    constraints: [],
    foreignKeys: [],
    indexes: [],
    triggers: [],
    primaryKey: [],
    viewDefinition: null,
    partitionOf: null,
    partitionKey: null,
    ddl: '',
  };
}

describe('completion schema', () => {
  it('quotes what PostgreSQL would otherwise fold or reject', () => {
    expect(quoteIdentifierIfNeeded('orders')).toBe('orders');
    expect(quoteIdentifierIfNeeded('User')).toBe('"User"');
    expect(quoteIdentifierIfNeeded('user')).toBe('"user"');
    expect(quoteIdentifierIfNeeded('my table')).toBe('"my table"');
    expect(quoteIdentifierIfNeeded('a"b')).toBe('"a""b"');
  });

  it('nests schema → table → columns, skips system schemas and escapes dots', () => {
    const model: CatalogModel = {
      database: 'app',
      serverVersion: '18.1',
      capturedAt: '',
      durationMs: 1,
      schemas: [
        { name: 'public', owner: 'o', comment: null, isSystem: false },
        { name: 'ai', owner: 'o', comment: null, isSystem: false },
        { name: 'pg_catalog', owner: 'o', comment: null, isSystem: true },
      ],
      relations: [
        relation('public', 'User', [column('id', 'bigint'), column('Email', 'text')]),
        relation('ai', 'v1.cache', [column('key', 'text')]),
        relation('pg_catalog', 'pg_class', [column('oid', 'oid')]),
      ],
      functions: [],
      sequences: [],
      enums: [],
    };
    const built = buildCompletionSchema(model);
    expect(built.defaultSchema).toBe('public');
    expect(built.relationCount).toBe(2);
    expect(built.namespace).toEqual({
      public: {
        self: { label: 'public', type: 'namespace', detail: 'schema' },
        children: {
          User: {
            self: { label: 'User', type: 'type', detail: 'table', apply: '"User"' },
            children: [
              { label: 'id', type: 'property', detail: 'bigint' },
              { label: 'Email', type: 'property', detail: 'text', apply: '"Email"' },
            ],
          },
        },
      },
      ai: {
        self: { label: 'ai', type: 'namespace', detail: 'schema' },
        children: {
          'v1\\.cache': {
            self: { label: 'v1.cache', type: 'type', detail: 'table', apply: '"v1.cache"' },
            children: [{ label: 'key', type: 'property', detail: 'text' }],
          },
        },
      },
    });
  });
});
