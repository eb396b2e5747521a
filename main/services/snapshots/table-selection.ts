import type { CatalogModel, CatalogRelation } from '../../../common/catalog';
import { OpsError } from '../../../common/errors';
import { quoteQualified } from '../catalog/quote';

/**
 * The tables a capture reads rows from, in catalog order: ordinary and
 * partitioned tables matching the pattern. A partitioned parent is read
 * through a plain SELECT, which includes its partitions, so a partition whose
 * parent (or any ancestor) is captured is skipped; views, materialized views
 * and foreign tables are in the catalog model only.
 */
export function selectTables(model: CatalogModel, pattern: string | null): CatalogRelation[] {
  const tables = model.relations.filter((r) => r.kind === 'table' || r.kind === 'partitioned_table');
  const globs = pattern === null ? null : parsePattern(pattern);
  const selected = new Set<CatalogRelation>();
  if (globs === null) {
    for (const table of tables) selected.add(table);
  } else {
    const unmatched: string[] = [];
    for (const glob of globs) {
      const found = tables.filter((t) => glob.regex.test(`${t.schema}.${t.name}`));
      if (found.length === 0) unmatched.push(glob.text);
      for (const table of found) selected.add(table);
    }
    if (unmatched.length > 0) {
      throw new OpsError('invalid_input', `No table matches ${unmatched.map((g) => `"${g}"`).join(', ')}`, {
        hint: 'Patterns are schema.table with * and ? wildcards, comma-separated, e.g. "ai.*,analytics.events".',
      });
    }
  }
  const byQuotedName = new Map(tables.map((t) => [quoteQualified(t.schema, t.name), t]));
  const hasSelectedAncestor = (table: CatalogRelation): boolean => {
    const seen = new Set<CatalogRelation>();
    let parent = table.partitionOf === null ? undefined : byQuotedName.get(table.partitionOf);
    while (parent !== undefined && !seen.has(parent)) {
      if (selected.has(parent)) return true;
      seen.add(parent);
      parent = parent.partitionOf === null ? undefined : byQuotedName.get(parent.partitionOf);
    }
    return false;
  };
  return tables.filter((t) => selected.has(t) && !hasSelectedAncestor(t));
}

export interface Glob {
  text: string;
  regex: RegExp;
}

/** "ai.*, analytics.events" → one anchored, case-sensitive regex per glob (* any run, ? one character). */
export function parsePattern(pattern: string): Glob[] {
  const globs = pattern
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (globs.length === 0) {
    throw new OpsError('invalid_input', 'The table pattern is empty', {
      hint: 'Give schema.table patterns such as "public.*", or leave the pattern out for every table.',
    });
  }
  return globs.map((text) => ({
    text,
    regex: new RegExp(
      `^${[...text].map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('')}$`,
      'su',
    ),
  }));
}
