import { ColumnStorage, ResolvedAttribute } from '..';

/**
 * ORDER BY expression for sortBy (RFC 7644 §3.4.2.3): the attribute's column when it has one, else its text in
 * the jsonb document (for a multi-valued attribute, its first value). `sortColumns` names columns to sort on
 * instead of a filter column, e.g. `user_name` rather than its case-folded key.
 */
export function sortExpression(
  attribute: ResolvedAttribute,
  storage: {
    columns: Readonly<Record<string, ColumnStorage>>;
    document: string;
    sortColumns?: Record<string, string>;
  },
): string {
  const sortColumn = storage.sortColumns?.[attribute.path];
  if (sortColumn) return sortColumn;
  const column = storage.columns[attribute.path];
  if (column) return column.sql.replace(/::text$/, '');
  const keys = [
    ...(attribute.extension ? [attribute.schema.id] : []),
    attribute.attribute.name,
    ...(attribute.subAttribute && !attribute.attribute.multiValued ? [attribute.subAttribute.name] : []),
  ];
  // Keys come from the registry (trusted names), never from the request text.
  const path = keys.map((key) => `"${key.replace(/"/g, '')}"`).join(',');
  return attribute.attribute.multiValued
    ? `(${storage.document} #> '{${path}}' -> 0 ->> '${(attribute.subAttribute?.name ?? 'value').replace(/'/g, '')}')`
    : `(${storage.document} #>> '{${path}}')`;
}
