import { ProjectionOptions } from './core';

/**
 * `attributes` / `excludedAttributes` from a query string, for single-resource responses (RFC 7644 §3.9):
 * comma-separated, repeated parameters allowed.
 */
export function projectionFrom(query: Record<string, unknown>): ProjectionOptions {
  const names = (value: unknown): string[] | undefined => {
    const parts = (Array.isArray(value) ? value : [value])
      .filter((item): item is string => typeof item === 'string')
      .flatMap((item) => item.split(','))
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
    return parts.length > 0 ? parts : undefined;
  };
  const byLowerName = new Map(Object.entries(query).map(([key, value]) => [key.toLowerCase(), value]));
  return {
    attributes: names(byLowerName.get('attributes')),
    excludedAttributes: names(byLowerName.get('excludedattributes')),
  };
}
