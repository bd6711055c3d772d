import {
  ColumnStorage,
  compileFilter,
  FilterStorage,
  isPreparableLookup,
  ListParams,
  pageWithTotal,
  ResolvedAttribute,
} from '../scim-core';
import { ErrorMapper, StatementOptions } from './session';
import type { Statements, WriteTx } from './tenant-database';

/**
 * One first-class column of a resource table: the property of the row object the service passes, the SQL column, the
 * cast its parameter needs, and the SCIM attribute a filter or sort compares with it (if any).
 */
export interface Column<K extends string> {
  key: K;
  column: string;
  cast?: string;
  filter?: Omit<ColumnStorage, 'kind' | 'sql'> & { path: string };
}

/**
 * The columns a write sets, declared once: INSERT column lists, UPDATE assignments, parameter values (columnSql) and
 * the filter compiler's column map (filterColumns) are derived from it, so a new column is one line plus its
 * migration.
 */
export type ColumnList<K extends string> = readonly Column<K>[];

/**
 * The filter storage (scim-core's FilterStorage) of the columns that name a SCIM attribute, as `<alias>.<column>`;
 * a uuid column is compared as text, since the filter compiler binds strings (a malformed id must not fail the cast).
 */
export function filterColumns(columns: ColumnList<string>, alias: string): Record<string, ColumnStorage> {
  return Object.fromEntries(
    columns.flatMap(({ column, cast, filter }) => {
      if (!filter) return [];
      const { path, ...storage } = filter;
      const sql = `${alias}.${column}${cast === 'uuid' ? '::text' : ''}`;
      return [[path, { kind: 'column', sql, ...storage } satisfies ColumnStorage]];
    }),
  );
}

/** SQL derived from a ColumnList, with parameters numbered from `first`. */
export function columnSql<K extends string>(columns: ColumnList<K>, first: number) {
  const placeholder = (i: number) => `$${first + i}${columns[i].cast ? `::${columns[i].cast}` : ''}`;
  return {
    names: columns.map((c) => c.column).join(', '),
    placeholders: columns.map((_c, i) => placeholder(i)).join(', '),
    assignments: columns.map((c, i) => `${c.column} = ${placeholder(i)}`).join(', '),
    values: (row: Record<K, unknown>) => columns.map((c) => row[c.key]),
    /** The parameter number after the columns'. */
    next: first + columns.length,
  };
}

/** A stored resource read with its lock for a change, and the transaction's time (what its UPDATE writes). */
export interface LockedRow {
  id: string;
  created: Date;
  version: number;
  now: Date;
}

/**
 * The row an UPDATE of a locked resource writes, known without reading it back (the UPDATE is deferred): the new
 * values, the same id and created, version + 1 (the row is locked) and lastModified = the time read with the lock,
 * which the UPDATE writes as a parameter, so response and row agree to the microsecond (one clock per change).
 */
export function updatedRow<T extends object>(current: LockedRow, values: T) {
  return {
    ...values,
    id: current.id,
    created: current.created,
    lastModified: current.now,
    version: current.version + 1,
  };
}

/** How a resource table is listed (RFC 7644 §3.4.2): its SELECT, filter storage and sort expression. */
export interface ListShape {
  /** `SELECT … FROM <table> <alias>`, without WHERE. */
  select: string;
  /** `FROM <table> <alias>` for the count. */
  from: string;
  /** The table's alias, whose `tenant_id` is bound to $1. */
  alias: string;
  storage: FilterStorage;
  sortExpression: (attribute: ResolvedAttribute) => string;
}

/** A transaction that can defer statements: WriteTx, or OneWrite before its one statement. */
export type Deferring = Pick<WriteTx, 'tenantId' | 'query' | 'defer'>;

/**
 * The base of the raw-SQL repositories of tenant-owned tables. It owns the tenant parameter: every statement gets the
 * transaction's tenant id as $1 and filters on it (docs/SCALE.md: router queries on Citus), so the
 * repository's own parameters start at $2. Row-level security checks the same thing in the database.
 */
export abstract class TenantRepository<Tx extends Statements = Statements> {
  constructor(protected readonly tx: Tx) {}

  /** A statement with the tenant id as $1 and `params` from $2. */
  protected query<T>(sql: string, params: unknown[], options?: StatementOptions): Promise<T[]> {
    return this.tx.query<T>(sql, [this.tx.tenantId, ...params], options);
  }

  /**
   * A deferred statement (WriteTx.defer) with the tenant id as $1. Only a repository built on a writing transaction
   * can call it: the `this` type refuses one built on a ReadTx at compile time.
   */
  protected defer(
    this: TenantRepository<Deferring>,
    sql: string,
    params: unknown[],
    options: StatementOptions & { onError?: ErrorMapper } = {},
  ): void {
    this.tx.defer(sql, [this.tx.tenantId, ...params], options);
  }

  /** A statement that fails with `mapError`'s error (uniqueness, references) instead of the database's. */
  protected async queryMapped<T>(
    sql: string,
    params: unknown[],
    mapError: ErrorMapper,
    options?: StatementOptions,
  ): Promise<T[]> {
    try {
      return await this.query<T>(sql, params, options);
    } catch (error) {
      throw mapError(error);
    }
  }

  /**
   * One page of rows matching the filter, in a stable order, and the total (RFC 7644 §3.4.2). `hints` are extra
   * index-backed conditions (their parameters pushed through `param`); a `uniqueLookup` (isUniqueLookup) is one
   * statement, prepared when it is one comparison.
   */
  protected async listPage<Row>(
    shape: ListShape,
    params: ListParams,
    options: {
      uniqueLookup?: boolean;
      hints?: (param: (value: unknown) => string) => string[];
    } = {},
  ): Promise<ListPage<Row>> {
    const { alias } = shape;
    const where = params.filter ? compileFilter(params.filter, shape.storage, { firstParam: 2 }) : null;
    const filterParams = [...(where?.params ?? [])];
    const param = (value: unknown) => `$${filterParams.push(value) + 1}`;
    const hints = params.filter ? (options.hints?.(param) ?? []) : [];
    const condition = [`${alias}.tenant_id = $1`, ...hints, ...(where ? [`(${where.sql})`] : [])].join(
      ' AND ',
    );
    const count = async () =>
      (
        await this.query<{ total: number }>(
          `SELECT count(*)::int AS total ${shape.from} WHERE ${condition}`,
          filterParams,
        )
      )[0].total;
    if (params.cursor) return this.cursorPage(shape, params, { condition, filterParams, count });
    if (options.uniqueLookup) {
      // The first page of at most one row is the whole result: no order and no LIMIT/OFFSET to apply. With them the
      // prepared lookup was planned afresh on every execution, PostgreSQL finding its custom plans (which know the
      // LIMIT) cheaper than a generic one: four times the database's CPU of a read by id (docs/PERFORMANCE.md).
      const lookup = () =>
        this.query<Row>(`${shape.select} WHERE ${condition}`, filterParams, {
          prepared: isPreparableLookup(params, true),
        });
      return pageWithTotal(params, lookup, count, true);
    }
    const direction = params.sortOrder === 'descending' ? 'DESC' : 'ASC';
    const stable = `${alias}.created, ${alias}.id`;
    const order = params.sortBy
      ? `${shape.sortExpression(params.sortBy)} ${direction} NULLS LAST, ${stable}`
      : stable;
    const next = filterParams.length + 2;
    const page = () =>
      this.query<Row>(
        `${shape.select} WHERE ${condition} ORDER BY ${order} LIMIT $${next} OFFSET $${next + 1}`,
        [...filterParams, params.count, params.startIndex - 1],
      );
    return pageWithTotal(params, page, count);
  }

  /**
   * A cursor page (RFC 9865): the rows after the cursor's id in primary-key order (the (tenant_id, id) index), one
   * more than asked to tell whether another page follows, and the total. Keyset, not OFFSET: a resource that exists
   * throughout is on exactly one page however many are created or deleted meanwhile (docs/ARCHITECTURE.md "Paging").
   */
  private async cursorPage<Row>(
    shape: ListShape,
    params: ListParams,
    where: { condition: string; filterParams: unknown[]; count: () => Promise<number> },
  ): Promise<ListPage<Row>> {
    const after = params.cursor?.after?.id;
    const values = [...where.filterParams, ...(after ? [after] : []), params.count + 1];
    const keyset = after ? ` AND ${shape.alias}.id > $${where.filterParams.length + 2}::uuid` : '';
    const rows =
      params.count === 0
        ? []
        : await this.query<Row>(
            `${shape.select} WHERE ${where.condition}${keyset} ORDER BY ${shape.alias}.id LIMIT $${values.length + 1}`,
            values,
          );
    return {
      total: await where.count(),
      rows: rows.slice(0, params.count),
      more: rows.length > params.count,
    };
  }
}

/** One page of a list and the total; `more`: a cursor page (RFC 9865) that another page follows. */
export interface ListPage<Row> {
  total: number;
  rows: Row[];
  more?: boolean;
}
