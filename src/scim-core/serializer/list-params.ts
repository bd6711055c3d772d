import { ScimError } from '../errors/scim-error';
import { parseFilter } from '../filter/filter.parser';
import { resolveFilter, type ResolvedFilter } from '../filter/filter.resolver';
import { matchesAtMostOne, type FilterStorage } from '../filter/filter.sql';
import { MAX_RESULTS } from '../limits';
import { encodeCursor, parseCursor, type CursorParams } from './cursor';
import type { ResolvedAttribute, SchemaRegistry } from '../schema/schema.registry';
import { isJsonObject } from '../schema/schema.types';
import { findSubAttribute } from '../schema/value.parser';

// List/query parameters of RFC 7644 §3.4.2 (GET query string) and §3.4.3 (POST /.search body).
// Unknown parameters, e.g. Entra's `aadOptscim062020` flag, are ignored (REL-ENTRA-04).

export interface ListParams {
  /** The filter as sent (for logging it must be redacted, SEC-RFC-07). */
  readonly filterText?: string;
  readonly filter?: ResolvedFilter;
  /** 1-based (RFC 7644 §3.4.2.4); values below 1 become 1 (REL-LIM-04, H-43). */
  readonly startIndex: number;
  /** 0..maxResults; negative becomes 0, larger is clamped (H-42). */
  readonly count: number;
  readonly sortBy?: ResolvedAttribute;
  readonly sortOrder: 'ascending' | 'descending';
  readonly attributes?: string[];
  readonly excludedAttributes?: string[];
  /** RFC 9865: present (even empty) when the client pages by cursor instead of startIndex. */
  readonly cursor?: CursorParams;
}

export interface ListParamsOptions {
  readonly maxResults?: number;
  /**
   * A search across resource types (RFC 7644 §3.4.3): a filter or sortBy attribute this type does not have is
   * reported here instead of refused; in the filter it never matches, as sortBy it leaves this type unsorted (every
   * value unassigned).
   */
  readonly unknown?: (parameter: 'filter' | 'sortBy', path: string) => void;
}

/** `source`: Express's parsed query object, or the JSON body of POST /.search. */
export function parseListParams(
  source: unknown,
  registry: SchemaRegistry,
  resourceType: string,
  options: ListParamsOptions = {},
): ListParams {
  if (!isJsonObject(source)) throw ScimError.invalidSyntax('The search request must be a JSON object');
  const maxResults = options.maxResults ?? MAX_RESULTS;
  // Parameter names are matched case-insensitively, like attribute names (RFC 7643 §2.1).
  const params = new Map(Object.entries(source).map(([k, v]) => [k.toLowerCase(), v] as const));
  const get = (name: string) => single(params.get(name.toLowerCase()), name);

  const filterText = optionalString(get('filter'), 'filter');
  const unknown = options.unknown;
  const filter = filterText
    ? resolveFilter(
        parseFilter(filterText),
        registry,
        resourceType,
        unknown && ((path) => unknown('filter', path)),
      )
    : undefined;
  const startIndex = Math.max(1, integer(get('startIndex'), 'startIndex') ?? 1);
  const count = Math.min(maxResults, Math.max(0, integer(get('count'), 'count') ?? maxResults));
  const sortByText = optionalString(get('sortBy'), 'sortBy');
  const unsortable = unknown && sortByText !== undefined && !registry.resolve(resourceType, sortByText);
  if (unsortable) unknown('sortBy', sortByText);
  const sortBy = sortByText && !unsortable ? resolveSortBy(registry, resourceType, sortByText) : undefined;
  const sortOrderText = optionalString(get('sortOrder'), 'sortOrder')?.toLowerCase();
  if (sortOrderText !== undefined && sortOrderText !== 'ascending' && sortOrderText !== 'descending') {
    throw ScimError.invalidValue("'sortOrder' must be 'ascending' or 'descending'");
  }
  const cursorValue = get('cursor');
  const cursor = cursorValue === undefined || cursorValue === null ? undefined : parseCursor(cursorValue);
  if (cursor && get('startIndex') !== undefined) {
    throw ScimError.invalidValue("'cursor' and 'startIndex' cannot be combined: page by one or the other");
  }
  // Cursor pages follow the primary key (cursor.ts); an order by another attribute could not continue stably.
  if (cursor && sortBy) {
    throw ScimError.invalidValue("'sortBy' cannot be combined with 'cursor': cursor pages are in id order");
  }
  const attributes = names(params.get('attributes'), 'attributes');
  const excludedAttributes = names(params.get('excludedattributes'), 'excludedAttributes');
  return {
    ...(filterText ? { filterText, filter } : {}),
    startIndex,
    count,
    ...(sortBy ? { sortBy } : {}),
    sortOrder: sortOrderText ?? 'ascending',
    ...(attributes ? { attributes } : {}),
    ...(excludedAttributes ? { excludedAttributes } : {}),
    ...(cursor ? { cursor } : {}),
  };
}

/** H-72: sorting by an unknown or never-returned attribute is refused. */
function resolveSortBy(registry: SchemaRegistry, resourceType: string, text: string): ResolvedAttribute {
  let resolved = registry.resolve(resourceType, text);
  if (!resolved || resolved.attribute.returned === 'never' || resolved.subAttribute?.returned === 'never') {
    throw ScimError.invalidValue(`Cannot sort by '${text}'`);
  }
  const target = resolved.subAttribute ?? resolved.attribute;
  if (target.type === 'complex') {
    // RFC 7644 §3.4.2.3: a complex multi-valued attribute sorts by its (primary) `value`.
    const value = findSubAttribute(target, 'value');
    if (!value) throw ScimError.invalidValue(`Cannot sort by complex attribute '${text}'`);
    resolved = { ...resolved, subAttribute: value, path: `${resolved.path}.value` };
  }
  return resolved;
}

function single(value: unknown, name: string): unknown {
  // `?count=1&count=2` arrives as an array; qs may also produce objects (`filter[a]=b`).
  if (Array.isArray(value) || isJsonObject(value))
    throw ScimError.invalidValue(`'${name}' must be given once`);
  return value;
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw ScimError.invalidValue(`'${name}' must be a string`);
  return value.trim() === '' ? undefined : value;
}

function integer(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^\s*[+-]?\d{1,15}\s*$/.test(value)) return Number(value);
  // Larger digit strings are still numbers: clamp instead of failing (H-43 `startIndex=1000000000000`).
  if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value))
    return value.trim().startsWith('-') ? -1 : Number.MAX_SAFE_INTEGER;
  throw ScimError.invalidValue(`'${name}' must be an integer`);
}

/** Comma-separated in a query string; an array of strings (or a string) in a .search body. */
function names(value: unknown, name: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const parts = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(parts) || !parts.every((p) => typeof p === 'string')) {
    throw ScimError.invalidValue(`'${name}' must be a comma-separated list of attribute names`);
  }
  const list = parts
    .flatMap((p: string) => p.split(','))
    .map((p) => p.trim())
    .filter((p) => p !== '');
  return list.length > 0 ? list : undefined;
}

/**
 * totalResults (RFC 7644 §3.4.2) when the page itself tells it, so the count query can be skipped: a page that is not
 * full ends the result set, unless it is empty past the first page (the set may end earlier). Entra's lookups
 * (`filter=userName eq "…"`, 0 or 1 hit, ENTRA.md E3) are all such pages. Undefined: the caller counts.
 */
export function totalFromPage(
  params: Pick<ListParams, 'startIndex' | 'count'>,
  rows: number,
): number | undefined {
  const skipped = params.startIndex - 1;
  if (rows < params.count && (rows > 0 || skipped === 0)) return skipped + rows;
  return undefined;
}

/**
 * The first page of a filter that matches at most one resource (`matchesAtMostOne`): the page is the whole result,
 * so its length is the total. Entra's lookups are such lists; they read in one statement.
 */
export function isUniqueLookup(params: ListParams, storage: FilterStorage): boolean {
  return (
    params.cursor === undefined &&
    params.count > 0 &&
    params.startIndex === 1 &&
    params.filter !== undefined &&
    matchesAtMostOne(params.filter, storage)
  );
}

/**
 * A unique lookup (isUniqueLookup) by one comparison, as Entra's `userName eq "…"`: its SQL has one text per
 * attribute whatever the value, so the statement can be prepared (Statement.prepared); a filter of several
 * comparisons has as many texts as a client can write.
 */
export function isPreparableLookup(params: ListParams, uniqueLookup: boolean): boolean {
  return uniqueLookup && params.filter?.kind === 'compare';
}

/**
 * A page and its total (RFC 7644 §3.4.2): the count runs only when the page cannot tell the total; `uniqueLookup`
 * (isUniqueLookup) says the page is the whole result.
 */
export async function pageWithTotal<R>(
  params: Pick<ListParams, 'startIndex' | 'count'>,
  page: () => Promise<R[]>,
  count: () => Promise<number>,
  uniqueLookup = false,
): Promise<{ total: number; rows: R[] }> {
  if (params.count === 0) return { total: await count(), rows: [] };
  const rows = await page();
  if (uniqueLookup) return { total: rows.length, rows };
  return { total: totalFromPage(params, rows.length) ?? (await count()), rows };
}

/**
 * What a list response says about its page: the startIndex (index paging), or the cursor of the next page after the
 * last row shown, when `more` follow (cursor paging, RFC 9865).
 */
export function pageOf(
  params: Pick<ListParams, 'startIndex' | 'cursor'>,
  resourceType: string,
  page: { rows: readonly { id: string }[]; more?: boolean },
): { startIndex?: number; nextCursor?: string } {
  if (!params.cursor) return { startIndex: params.startIndex };
  const last = page.rows.at(-1);
  return page.more && last ? { nextCursor: encodeCursor({ resourceType, id: last.id }) } : {};
}
