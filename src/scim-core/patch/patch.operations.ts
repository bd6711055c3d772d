import { ScimError } from '../errors/scim-error';
import { matchesValue } from '../filter/filter.evaluator';
import type { ResolvedFilter } from '../filter/filter.resolver';
import { deepEqual } from '../schema/resource.parser';
import type { ResolvedAttribute } from '../schema/schema.registry';
import {
  isJsonObject,
  type AttributeDefinition,
  type JsonObject,
  type JsonValue,
} from '../schema/schema.types';
import { isValueReference, parseAttributeValue, parseSingleValue } from '../schema/value.parser';
import type { PatchOpName } from './patch.request';

// add / replace / remove on one attribute of the working copy (RFC 7644 §3.5.2.1–§3.5.2.3).

export interface Target {
  readonly resolved: ResolvedAttribute;
  readonly filter?: ResolvedFilter;
  readonly filterSub?: AttributeDefinition;
  /** The object holding the attribute: the resource, or its extension object. */
  readonly container: JsonObject;
  /** The whole working copy, for value filters that look outside the element. */
  readonly resource: JsonObject;
}

const CLIENT = { keepReadOnly: false };

export function applyToAttribute(op: PatchOpName, target: Target, value: unknown): void {
  if (target.filter) applyFiltered(op, target, target.filter, value);
  else if (target.resolved.subAttribute) applySub(op, target, target.resolved.subAttribute, value);
  else applyWhole(op, target, value);
}

function applyWhole(op: PatchOpName, { resolved, container }: Target, value: unknown): void {
  const { attribute } = resolved;
  const name = attribute.name;
  if (op === 'remove') {
    // ENTRA E19 style `remove` with a value list (also used for roles): only the listed values go.
    if (attribute.multiValued && value !== undefined && value !== null)
      removeValues(container, attribute, value, resolved.path);
    else delete container[name];
    return;
  }
  if (attribute.multiValued) {
    // RFC 7644 §3.5.2.1: add appends (a single object is accepted as a one-element list); replace swaps the list.
    const list = isJsonObject(value) ? [value] : value;
    const parsed = parseAttributeValue(attribute, list, resolved.path, CLIENT);
    const added = Array.isArray(parsed) ? parsed : [];
    if (op === 'replace') return set(container, name, added.length > 0 ? added : undefined);
    const current = elementsOf(container[name]);
    const fresh = added.filter((v) => !current.some((c) => deepEqual(c, v)));
    return set(container, name, withPrimary([...current, ...fresh], fresh));
  }
  const parsed = parseSingleValue(attribute, value, resolved.path, CLIENT);
  if (parsed === undefined) {
    // null, "" for a manager (ENTRA E7) clear the attribute; an empty object adds nothing.
    if (!isJsonObject(value) || isValueReference(attribute)) delete container[name];
    return;
  }
  const current = container[name];
  // RFC 7644 §3.5.2.3: sub-attributes of a complex attribute not in the value are left unchanged.
  set(container, name, isJsonObject(parsed) && isJsonObject(current) ? { ...current, ...parsed } : parsed);
}

function applySub(
  op: PatchOpName,
  { resolved, container }: Target,
  sub: AttributeDefinition,
  value: unknown,
): void {
  const name = resolved.attribute.name;
  const elements = elementsOf(container[name]);
  if (!resolved.attribute.multiValued && elements.length === 0) elements.push({});
  // `emails.display` without a filter addresses the sub-attribute of every value.
  if (elements.length === 0) {
    if (op === 'remove') return;
    throw ScimError.noTarget(`'${resolved.path}' has no values to update`);
  }
  const parsed = op === 'remove' ? undefined : parseSingleValue(sub, value, resolved.path, CLIENT);
  const updated = elements.map((element) => setSub(element, sub, parsed));
  writeBack(container, resolved.attribute, updated);
}

function applyFiltered(op: PatchOpName, target: Target, filter: ResolvedFilter, value: unknown): void {
  const { resolved, container, filterSub } = target;
  const attribute = resolved.attribute;
  const elements = elementsOf(container[attribute.name]);
  const matched = elements.map((e) => isJsonObject(e) && matchesValue(filter, attribute, e, target.resource));
  const path = filterSub ? `${resolved.path}.${filterSub.name}` : resolved.path;
  const element = (raw: unknown) =>
    filterSub
      ? parseSingleValue(filterSub, raw, path, CLIENT)
      : parseSingleValue(attribute, raw, path, CLIENT);
  if (!matched.includes(true)) {
    // ENTRA E9: `add emails[type eq "work"].value` creates the work email; RFC 7644 §3.5.2.2/§3.5.2.3:
    // replace and remove with a filter that matches nothing fail with noTarget (H-25).
    if (op !== 'add') throw ScimError.noTarget(`No value of '${resolved.path}' matches the filter`);
    const parsed = element(value);
    const created = filterSub
      ? setSub(elementFromFilter(filter), filterSub, parsed)
      : merge(elementFromFilter(filter), parsed);
    return writeBack(container, attribute, withPrimary([...elements, created], [created]));
  }
  const parsed = op === 'remove' ? undefined : element(value);
  const changed: JsonValue[] = [];
  const updated = elements.flatMap((current, i) => {
    if (!matched[i]) return [current];
    const next = filterSub
      ? setSub(current, filterSub, parsed)
      : op === 'add'
        ? merge(current, parsed)
        : op === 'replace' && isJsonObject(parsed)
          ? parsed
          : undefined;
    if (next === undefined) return [];
    changed.push(next);
    return [next];
  });
  writeBack(container, attribute, withPrimary(updated, changed));
}

/** `type eq "work" and …` → `{type: "work", …}`: the value a filtered `add` creates (ENTRA E9). */
function elementFromFilter(filter: ResolvedFilter): JsonObject {
  if (filter.kind === 'and') return { ...elementFromFilter(filter.left), ...elementFromFilter(filter.right) };
  const sub = filter.kind === 'compare' && filter.op === 'eq' ? filter.path.subAttribute : undefined;
  if (filter.kind !== 'compare' || !sub) {
    throw ScimError.noTarget('No value matches the filter, and the filter does not describe a new value');
  }
  const value = parseSingleValue(sub, filter.value, filter.path.path, CLIENT);
  return value === undefined ? {} : { [sub.name]: value };
}

function removeValues(
  container: JsonObject,
  attribute: AttributeDefinition,
  value: unknown,
  path: string,
): void {
  const list = isJsonObject(value) ? [value] : value;
  const parsed = parseAttributeValue(attribute, list, path, CLIENT);
  const doomed = Array.isArray(parsed) ? parsed : [];
  const sameValue = (a: JsonValue, b: JsonValue) =>
    isJsonObject(a) && isJsonObject(b) && b.value !== undefined
      ? deepEqual(a.value, b.value)
      : deepEqual(a, b);
  const kept = elementsOf(container[attribute.name]).filter((e) => !doomed.some((d) => sameValue(e, d)));
  set(container, attribute.name, kept.length > 0 ? kept : undefined);
}

function setSub(element: JsonValue, sub: AttributeDefinition, value: JsonValue | undefined): JsonObject {
  const { [sub.name]: _old, ...rest } = isJsonObject(element) ? element : {};
  return value === undefined ? rest : { ...rest, [sub.name]: value };
}

function merge(current: JsonValue, value: JsonValue | undefined): JsonObject {
  return { ...(isJsonObject(current) ? current : {}), ...(isJsonObject(value) ? value : {}) };
}

/** RFC 7644 §3.5.2: setting `primary: true` on a value sets it to false on all others. */
function withPrimary(elements: JsonValue[], changed: JsonValue[]): JsonValue[] {
  const winner = changed.find((e) => isJsonObject(e) && e.primary === true);
  if (!winner) return elements;
  return elements.map((e) =>
    e !== winner && isJsonObject(e) && e.primary === true ? { ...e, primary: false } : e,
  );
}

function elementsOf(value: JsonValue | undefined): JsonValue[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? [...value] : [value];
}

function writeBack(container: JsonObject, attribute: AttributeDefinition, elements: JsonValue[]): void {
  const kept = elements.filter((e) => !isJsonObject(e) || Object.keys(e).length > 0);
  if (attribute.multiValued) set(container, attribute.name, kept.length > 0 ? kept : undefined);
  else set(container, attribute.name, kept[0]);
}

function set(container: JsonObject, name: string, value: JsonValue | undefined): void {
  if (value === undefined) delete container[name];
  else container[name] = value;
}
