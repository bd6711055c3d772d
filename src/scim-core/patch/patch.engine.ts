import { ScimError } from '../errors/scim-error';
import { cloneJson, deepEqual } from '../schema/resource.parser';
import type { SchemaRegistry } from '../schema/schema.registry';
import { isJsonObject, type JsonObject, type ScimResource } from '../schema/schema.types';
import { checkKey } from '../schema/strings';
import { appendMembership, membershipChanges, type MembershipOperation } from './patch.members';
import { applyToAttribute } from './patch.operations';
import { parsePatchRequest, type PatchOperation } from './patch.request';
import { checkWritable, resolvePatchTarget, type PatchTarget } from './patch.target';

// PATCH (RFC 7644 §3.5.2) with the Entra shapes of ENTRA E7–E11, E18, E19. Atomic: operations run on a
// copy and the result is re-validated, so either every operation applies or the call throws and the
// caller's resource is untouched.

export interface PatchResult {
  readonly resource: ScimResource;
  /** Whether the resource document changed (membership changes are reported in `members` only). */
  readonly changed: boolean;
  /** Canonical names of changed top-level attributes (`name`, `urn:…:User:manager`, `members`). */
  readonly changedAttributes: string[];
  /** Membership change set, in order, for resource types with a membershipAttribute (Group). */
  readonly members?: MembershipOperation[];
}

export function applyPatch(
  resource: ScimResource,
  patchRequest: unknown,
  registry: SchemaRegistry,
  resourceType: string,
): PatchResult {
  const operations = parsePatchRequest(patchRequest);
  const before = registry.parse(resourceType, resource, 'replace', { internal: true });
  const doc = cloneJson(before);
  const engine = new PatchEngine(registry, resourceType, doc);
  for (const operation of operations) engine.apply(operation);
  // The result must still be a valid resource (required attributes, at most one primary, …).
  const after = registry.parse(resourceType, doc, 'replace', { internal: true, existing: before });
  const changedAttributes = changedNames(registry, resourceType, before, after);
  const membershipAttribute = registry.resourceType(resourceType).membershipAttribute;
  if (membershipAttribute === undefined) {
    return { resource: after, changed: changedAttributes.length > 0, changedAttributes };
  }
  const members = engine.members;
  if (members.length > 0) changedAttributes.push(membershipAttribute);
  return { resource: after, changed: !deepEqual(before, after), changedAttributes, members };
}

class PatchEngine {
  members: MembershipOperation[] = [];

  constructor(
    private readonly registry: SchemaRegistry,
    private readonly resourceType: string,
    private readonly doc: JsonObject,
  ) {}

  apply(operation: PatchOperation): void {
    if (operation.path !== undefined) {
      this.applyTo(
        operation,
        resolvePatchTarget(this.registry, this.resourceType, operation.path),
        operation.value,
      );
      return;
    }
    // RFC 7644 §3.5.2.1/§3.5.2.3 without path: the value holds attribute → value pairs. ENTRA E10: with
    // aadOptscim062020 the keys are also dotted (`name.givenName`) or URN-qualified paths.
    if (!isJsonObject(operation.value))
      throw ScimError.invalidValue(`${operation.op} without path needs an object value`);
    for (const [key, value] of Object.entries(operation.value)) {
      checkKey(key, '');
      if (key.toLowerCase() === 'schemas') continue;
      this.applyTo(operation, this.resolveKey(key), value);
    }
  }

  private resolveKey(key: string): PatchTarget {
    try {
      return resolvePatchTarget(this.registry, this.resourceType, key);
    } catch (error) {
      // Inside a value object an unknown name is an invalid value rather than an invalid path.
      if (error instanceof ScimError && error.scimType === 'invalidPath')
        throw ScimError.invalidValue(error.detail);
      throw error;
    }
  }

  private applyTo(operation: PatchOperation, target: PatchTarget, value: unknown): void {
    checkWritable(target);
    if (target.kind === 'extension') {
      this.applyToExtension(operation, target.schema.id, value);
      return;
    }
    const { resolved } = target;
    const membership = this.registry.resourceType(this.resourceType).membershipAttribute;
    if (!resolved.extension && resolved.attribute.name === membership) {
      if (resolved.subAttribute || target.filterSub)
        throw ScimError.invalidPath(`Members are added or removed whole`);
      this.members = appendMembership(
        this.members,
        membershipChanges(operation.op, resolved.attribute, target.filter, value),
      );
      return;
    }
    const container = this.container(resolved.extension ? resolved.schema.id : undefined);
    applyToAttribute(operation.op, { ...target, container, resource: this.doc }, value);
  }

  /** The whole extension by URN: remove drops it; add/replace apply each attribute of the value. */
  private applyToExtension(operation: PatchOperation, urn: string, value: unknown): void {
    if (operation.op === 'remove' || value === null) {
      delete this.doc[urn];
      return;
    }
    if (!isJsonObject(value)) throw ScimError.invalidValue(`The value for '${urn}' must be an object`);
    for (const [key, attributeValue] of Object.entries(value)) {
      checkKey(key, urn);
      // RFC 7643 §3: `schemas` belongs to the resource, not to an extension object (some clients send it there).
      if (key.toLowerCase() === 'schemas') continue;
      this.applyTo(operation, this.resolveKey(`${urn}:${key}`), attributeValue);
    }
  }

  private container(urn: string | undefined): JsonObject {
    if (urn === undefined) return this.doc;
    const existing = this.doc[urn];
    if (isJsonObject(existing)) return existing;
    const created: JsonObject = {};
    this.doc[urn] = created;
    return created;
  }
}

function changedNames(
  registry: SchemaRegistry,
  resourceType: string,
  before: JsonObject,
  after: JsonObject,
): string[] {
  const names: string[] = [];
  const scopes: [string, JsonObject, JsonObject][] = [['', before, after]];
  for (const schema of registry.extensionSchemas(resourceType)) {
    const [b, a] = [before[schema.id], after[schema.id]];
    scopes.push([`${schema.id}:`, isJsonObject(b) ? b : {}, isJsonObject(a) ? a : {}]);
  }
  for (const [prefix, b, a] of scopes) {
    for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) {
      if (key === 'schemas' || key.includes(':')) continue;
      if (!deepEqual(b[key], a[key])) names.push(`${prefix}${key}`);
    }
  }
  return names;
}
