import { ScimError } from '../errors/scim-error';
import type { ResolvedAttribute } from '../schema/schema.registry';
import type { AttributeDefinition } from '../schema/schema.types';
import type { CompareOperator, FilterValue } from './filter.ast';
import type { ResolvedFilter } from './filter.resolver';

// Compiles a resolved filter to a parameterised PostgreSQL boolean expression (REL-LIM-03, H-36/H-37).
// Values only ever travel as $n parameters; the only identifiers in the SQL come from the storage
// description (trusted code) and from registry names, which are restricted to [A-Za-z0-9.:_$-].
// Semantics match filter.evaluator.ts: every leaf is NULL-safe (an absent attribute is false, never
// NULL), so `ne`/`not` are plain NOT and an absent attribute satisfies `ne`. Case-insensitive attributes
// use lower() on both sides (PostgreSQL's lower() can differ from JavaScript for e.g. `İ`; a key column
// avoids that); ordering comparisons use COLLATE "C" (code point order).

/** SQL type of a column expression, which decides casts and how `pr` is tested. */
export type SqlValueType = 'string' | 'boolean' | 'number' | 'dateTime';

export interface ColumnStorage {
  readonly kind: 'column';
  /** A trusted SQL expression, e.g. `u.user_name` or `m.member_id::text`. */
  readonly sql: string;
  readonly type: SqlValueType;
  readonly caseExact: boolean;
  /**
   * The column holds key(value) (e.g. `user_name_key` = userNameKey(userName)): the parameter is transformed
   * with the same function in JavaScript and compared without lower().
   */
  readonly key?: (value: string) => string;
}

/** A multi-valued attribute stored as rows of another table, e.g. group members. */
export interface JoinStorage {
  readonly kind: 'join';
  /** Sub-attribute name → column of the joined row (e.g. value → `m.member_id::text`). */
  readonly columns: Readonly<Record<string, ColumnStorage>>;
  /** Wraps a condition on the joined row into a boolean expression, e.g. `EXISTS (SELECT 1 … AND ${cond})`. */
  readonly exists: (condition: string) => string;
}

export interface FilterStorage {
  /** Canonical attribute path (`userName`, `meta.lastModified`, `members`) → storage. Case-insensitive. */
  readonly attributes: Readonly<Record<string, ColumnStorage | JoinStorage>>;
  /** The jsonb column holding the resource document, for every attribute without its own storage. */
  readonly document?: string;
  /** Attributes a unique index of the tenant covers: their `eq` matches at most one resource (`matchesAtMostOne`). */
  readonly unique?: readonly string[];
}

export interface SqlFragment {
  readonly sql: string;
  readonly params: unknown[];
}

export interface CompileOptions {
  /** Number of the first placeholder: 2 when the caller binds tenant_id as $1. */
  readonly firstParam?: number;
}

export function compileFilter(
  filter: ResolvedFilter,
  storage: FilterStorage,
  options: CompileOptions = {},
): SqlFragment {
  const compiler = new SqlCompiler(storage, options.firstParam ?? 1);
  const sql = compiler.compile(filter, { kind: 'root' });
  return { sql, params: compiler.params };
}

/**
 * True when the filter matches at most one resource: one of its top-level conjuncts is `eq` with a string on an
 * attribute that a unique index covers (FilterStorage.unique: id, userName, a group's displayName, each compared
 * through the indexed key). Entra's lookups (`userName eq "…"`, ENTRA.md E3) are such filters: their page is their
 * whole result, so the list needs no count and can read in one statement.
 */
export function matchesAtMostOne(filter: ResolvedFilter, storage: FilterStorage): boolean {
  const unique = new Set((storage.unique ?? []).map((path) => path.toLowerCase()));
  const pins = (node: ResolvedFilter): boolean =>
    node.kind === 'and'
      ? pins(node.left) || pins(node.right)
      : node.kind === 'compare' &&
        node.op === 'eq' &&
        typeof node.value === 'string' &&
        unique.has(node.path.path.toLowerCase());
  return pins(filter);
}

/** LIKE metacharacters are literal in SCIM co/sw/ew (H-37); `\` is the ESCAPE character. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Embeds a registry name as a SQL string literal; registry names never contain quotes (URN_PATTERN). */
export function sqlKey(name: string): string {
  if (!/^[A-Za-z0-9.:_$-]+$/.test(name)) throw new Error(`Unsafe attribute name ${name}`);
  return `'${name}'`;
}

/** Where the values of the attribute currently in scope come from. */
type Scope =
  | { readonly kind: 'root' }
  | { readonly kind: 'json'; readonly attribute: AttributeDefinition; readonly alias: string }
  | { readonly kind: 'join'; readonly attribute: AttributeDefinition; readonly storage: JoinStorage };

/** A value expression in SQL: `text` is the typed expression, `json` the raw jsonb (documents only). */
interface Operand {
  readonly sql: string;
  readonly json?: string;
  readonly type: SqlValueType;
  readonly caseExact: boolean;
  readonly key?: (value: string) => string;
}

class SqlCompiler {
  readonly params: unknown[] = [];
  private aliases = 0;
  private readonly storage = new Map<string, ColumnStorage | JoinStorage>();

  constructor(
    private readonly description: FilterStorage,
    private readonly firstParam: number,
  ) {
    for (const [path, storage] of Object.entries(description.attributes))
      this.storage.set(path.toLowerCase(), storage);
  }

  compile(node: ResolvedFilter, scope: Scope): string {
    switch (node.kind) {
      case 'and':
      case 'or':
        return `(${this.compile(node.left, scope)} ${node.kind.toUpperCase()} ${this.compile(node.right, scope)})`;
      case 'not':
        return `NOT ${this.compile(node.filter, scope)}`;
      case 'present':
        return this.leaf(node.path, scope, (operand) => presentSql(operand));
      case 'compare':
        if (node.op === 'ne') return `NOT ${this.compile({ ...node, op: 'eq' }, scope)}`;
        return this.leaf(node.path, scope, (operand) => this.compareSql(operand, node.op, node.value));
      case 'valuePath':
        return this.within(node.path, (inner) => this.compile(node.filter, inner));
    }
  }

  /** Compiles a condition on one attribute path, entering the multi-valued scope it needs. */
  private leaf(path: ResolvedAttribute, scope: Scope, condition: (operand: Operand) => string): string {
    if (scope.kind !== 'root' && scope.attribute === path.attribute)
      return condition(this.scoped(path, scope));
    const column = this.storage.get(path.path.toLowerCase());
    if (column?.kind === 'column') return condition(column);
    // Multi-valued: any value matches (RFC 7644 §3.4.2.2), so the condition goes inside EXISTS.
    const joined = this.storage.get(canonicalAttribute(path).toLowerCase())?.kind === 'join';
    if (path.attribute.multiValued || joined)
      return this.within(path, (inner) => condition(this.scoped(path, inner)));
    return condition(this.documentOperand(path));
  }

  /** `EXISTS` over the values of a multi-valued attribute (or the one value of a singular complex one). */
  private within(path: ResolvedAttribute, body: (scope: Exclude<Scope, { kind: 'root' }>) => string): string {
    const storage = this.storage.get(canonicalAttribute(path).toLowerCase());
    if (storage?.kind === 'join')
      return storage.exists(body({ kind: 'join', attribute: path.attribute, storage }));
    const alias = `e${++this.aliases}`;
    const json = this.documentJson(path);
    const scope = { kind: 'json' as const, attribute: path.attribute, alias };
    // A singular complex attribute (manager[value eq "x"]) is a one-element set.
    const source = path.attribute.multiValued
      ? `jsonb_array_elements(${json})`
      : `jsonb_build_array(${json})`;
    const rows = path.attribute.multiValued ? source : `jsonb_array_elements(${source})`;
    return `EXISTS (SELECT 1 FROM ${rows} AS ${alias} WHERE ${body(scope)})`;
  }

  private scoped(path: ResolvedAttribute, scope: Exclude<Scope, { kind: 'root' }>): Operand {
    const sub = path.subAttribute;
    if (scope.kind === 'join') {
      const column = sub && scope.storage.columns[sub.name];
      if (!column) throw ScimError.invalidFilter(`Filtering on '${path.path}' is not supported`);
      return column;
    }
    const json = sub ? `(${scope.alias} -> ${sqlKey(sub.name)})` : scope.alias;
    return jsonOperand(json, sub ?? path.attribute);
  }

  private documentOperand(path: ResolvedAttribute): Operand {
    return jsonOperand(this.documentJson(path), path.subAttribute ?? path.attribute);
  }

  private documentJson(path: ResolvedAttribute): string {
    const document = this.description.document;
    if (!document) throw ScimError.invalidFilter(`Filtering on '${path.path}' is not supported`);
    const keys = [...(path.extension ? [path.schema.id] : []), path.attribute.name];
    if (path.subAttribute && !path.attribute.multiValued) keys.push(path.subAttribute.name);
    return `(${document}${keys.map((k) => ` -> ${sqlKey(k)}`).join('')})`;
  }

  private param(value: unknown): string {
    this.params.push(value);
    return `$${this.firstParam + this.params.length - 1}`;
  }

  private compareSql(operand: Operand, op: CompareOperator, value: FilterValue): string {
    const guarded = (sql: string) => `(${operand.sql} IS NOT NULL AND ${sql})`;
    switch (operand.type) {
      case 'boolean':
        return guarded(`${operand.sql} = ${this.param(value)}::boolean`);
      case 'number':
        return guarded(`${operand.sql} ${SQL_OPERATORS[op]} ${this.param(value)}::numeric`);
      case 'dateTime':
        return guarded(`${operand.sql} ${SQL_OPERATORS[op]} ${this.param(value)}::timestamptz`);
      case 'string':
        return guarded(this.stringComparison(operand, op, String(value)));
    }
  }

  private stringComparison(operand: Operand, op: CompareOperator, value: string): string {
    const folded = operand.key ? operand.key(value) : value;
    const fold = (sql: string) => (operand.caseExact || operand.key ? sql : `lower(${sql})`);
    const left = fold(operand.sql);
    switch (op) {
      case 'co':
      case 'sw':
      case 'ew': {
        const pattern = `${op === 'co' || op === 'ew' ? '%' : ''}${escapeLike(folded)}${op === 'co' || op === 'sw' ? '%' : ''}`;
        return `${left} LIKE ${fold(this.param(pattern))} ESCAPE '\\'`;
      }
      case 'eq':
      case 'ne':
        return `${left} = ${fold(this.param(folded))}`;
      case 'gt':
      case 'lt':
      case 'ge':
      case 'le':
        return `${left} COLLATE "C" ${SQL_OPERATORS[op]} ${fold(this.param(folded))}`;
    }
  }
}

const SQL_OPERATORS: Readonly<Record<CompareOperator, string>> = {
  eq: '=',
  ne: '<>',
  gt: '>',
  lt: '<',
  ge: '>=',
  le: '<=',
  co: 'LIKE',
  sw: 'LIKE',
  ew: 'LIKE',
};

function canonicalAttribute(path: ResolvedAttribute): string {
  return path.extension ? `${path.schema.id}:${path.attribute.name}` : path.attribute.name;
}

function jsonOperand(json: string, attr: AttributeDefinition): Operand {
  const text = `(${json} #>> '{}')`;
  const caseExact = attr.caseExact;
  switch (attr.type) {
    case 'boolean':
      return { sql: `${text}::boolean`, json, type: 'boolean', caseExact };
    case 'integer':
    case 'decimal':
      return { sql: `${text}::numeric`, json, type: 'number', caseExact };
    case 'dateTime':
      return { sql: `${text}::timestamptz`, json, type: 'dateTime', caseExact };
    case 'string':
    case 'reference':
    case 'binary':
    case 'complex':
      return { sql: text, json, type: 'string', caseExact };
  }
}

/** `pr`: assigned and not empty — not null, "", [] or {} (RFC 7644 §3.4.2.2, same as the evaluator). */
function presentSql(operand: Operand): string {
  if (operand.json) {
    return `COALESCE(${operand.json} NOT IN ('null'::jsonb, '""'::jsonb, '[]'::jsonb, '{}'::jsonb), false)`;
  }
  if (operand.type === 'string') return `(${operand.sql} IS NOT NULL AND ${operand.sql} <> '')`;
  return `(${operand.sql} IS NOT NULL)`;
}
