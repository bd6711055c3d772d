import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { AttributeChange, AuditAction } from '../audit/audit.types';
import type { WriteTx } from '../database/tenant-database';
import { ScimError, type JsonValue } from '../scim-core';
import { parseAttributeValue } from '../scim-core/schema/value.parser';
import { SchemaRegistryService } from '../scim/schema-registry.service';
import type { Tenant } from '../tenants/tenant.entity';
import { TenantsService } from '../tenants/tenants.service';
import {
  CUSTOM_ATTRIBUTE_LIMITS,
  CustomAttributeDefinition,
  CustomAttributeSpec,
  findDefinition,
  specProblems,
  toAttributeDefinition,
} from './custom-attribute';
import { CustomValuesRepository } from './custom-values.repository';

/** The tenant's custom user extension as staff see it: its URN (what Entra maps) and every definition. */
export interface UserAttributesView {
  tenant: string;
  schema: string;
  attributes: CustomAttributeDefinition[];
}

/** A new attribute: name and type, the rest with RFC 7643 §7 defaults. */
export type CustomAttributeInput = Pick<CustomAttributeSpec, 'name' | 'type'> &
  Partial<Omit<CustomAttributeSpec, 'name' | 'type'>>;

/** What may change on an existing attribute: everything but its name (the key its values are stored under). */
export type CustomAttributeChanges = Partial<Omit<CustomAttributeSpec, 'name'>>;

const SPEC_FIELDS = [
  'type',
  'multiValued',
  'required',
  'caseExact',
  'canonicalValues',
  'description',
] as const satisfies readonly (keyof CustomAttributeSpec)[];

/**
 * Staff actions on a tenant's custom user attributes, for the admin API and the CLI. Every change runs
 * in one transaction with the tenant row locked and writes its audit event there (SECURITY.md AUD-01).
 * Changes are safe for stored data: adding is instant; removing hides (values kept until a confirmed purge);
 * a change that stored values would not satisfy is refused with the number of users concerned.
 */
@Injectable()
export class CustomAttributesService {
  constructor(
    private readonly tenants: TenantsService,
    private readonly registries: SchemaRegistryService,
    private readonly audit: AuditService,
  ) {}

  async list(slug: string): Promise<UserAttributesView> {
    const tenant = await this.tenants.getBySlug(slug);
    return {
      tenant: tenant.slug,
      schema: this.registries.customUserUrn,
      attributes: tenant.customUserAttributes,
    };
  }

  /** Adds an attribute; naming a removed one restores it (and its kept values, which must fit the new spec). */
  define(slug: string, input: CustomAttributeInput): Promise<CustomAttributeDefinition> {
    return this.tenants.changeCustomUserAttributes(slug, async (tx, tenant) => {
      const existing = findDefinition(tenant.customUserAttributes, input.name);
      if (existing?.status === 'active') {
        throw new ConflictException(`Custom attribute '${existing.name}' already exists; change it instead`);
      }
      if (!existing && tenant.customUserAttributes.length >= CUSTOM_ATTRIBUTE_LIMITS.maxAttributes) {
        throw new BadRequestException(
          `A tenant has at most ${CUSTOM_ATTRIBUTE_LIMITS.maxAttributes} custom attributes (removed ones included until purged)`,
        );
      }
      const now = new Date().toISOString();
      // A restored attribute keeps its stored spelling: its values are kept under that key.
      const spec = withDefaults({ ...input, name: existing?.name ?? input.name });
      checkSpec(spec);
      await this.checkStoredValues(tx, spec);
      const defined: CustomAttributeDefinition = {
        ...spec,
        status: 'active',
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      };
      await this.record(tx, existing ? 'user-attribute.restore' : 'user-attribute.define', defined, {
        ...(existing ? { status: { old: 'removed', new: 'active' } } : {}),
        ...changesBetween(existing, defined),
      });
      return { definitions: replaceDefinition(tenant.customUserAttributes, defined), result: defined };
    });
  }

  /** Changes type, multiValued, required, caseExact, canonicalValues or description of an active attribute. */
  change(slug: string, name: string, changes: CustomAttributeChanges): Promise<CustomAttributeDefinition> {
    return this.tenants.changeCustomUserAttributes(slug, async (tx, tenant) => {
      const current = activeDefinition(tenant, name);
      const spec: CustomAttributeSpec = { ...pickSpec(current), ...definedOnly(changes), name: current.name };
      checkSpec(spec);
      await this.checkStoredValues(tx, spec);
      const changed: CustomAttributeDefinition = { ...current, ...spec, updatedAt: new Date().toISOString() };
      const attributes = changesBetween(current, changed);
      if (Object.keys(attributes).length === 0) {
        return { definitions: tenant.customUserAttributes, result: current };
      }
      await this.record(tx, 'user-attribute.update', changed, attributes);
      return { definitions: replaceDefinition(tenant.customUserAttributes, changed), result: changed };
    });
  }

  /** Hides the attribute from every request at once; its values stay stored until `purge`. */
  remove(slug: string, name: string): Promise<CustomAttributeDefinition> {
    return this.tenants.changeCustomUserAttributes(slug, async (tx, tenant) => {
      const current = activeDefinition(tenant, name);
      const removed: CustomAttributeDefinition = {
        ...current,
        status: 'removed',
        updatedAt: new Date().toISOString(),
      };
      await this.record(tx, 'user-attribute.remove', removed, { status: { old: 'active', new: 'removed' } });
      return { definitions: replaceDefinition(tenant.customUserAttributes, removed), result: removed };
    });
  }

  /**
   * Deletes a removed attribute's stored values and its definition. `confirm` must repeat the attribute's name:
   * this is the one change that loses data.
   */
  purge(slug: string, name: string, confirm: string): Promise<{ name: string; usersPurged: number }> {
    return this.tenants.changeCustomUserAttributes(slug, async (tx, tenant) => {
      const current = findDefinition(tenant.customUserAttributes, name);
      if (!current) throw new NotFoundException(`No custom attribute '${name}' in tenant '${tenant.slug}'`);
      if (current.status !== 'removed') {
        throw new ConflictException(`Remove '${current.name}' before purging its values`);
      }
      if (confirm !== current.name) {
        throw new BadRequestException(
          `Purging deletes every user's '${current.name}'; confirm with its exact name`,
        );
      }
      const usersPurged = await this.values(tx).purge(current.name);
      await this.record(tx, 'user-attribute.purge', current, {}, { usersPurged });
      return {
        definitions: tenant.customUserAttributes.filter((d) => d !== current),
        result: { name: current.name, usersPurged },
      };
    });
  }

  /**
   * Refuses a spec that stored values would not satisfy: each value is checked with the very parser requests use,
   * so a value that passes here can always be read back and patched ("rejected … with the count").
   */
  private async checkStoredValues(tx: WriteTx, spec: CustomAttributeSpec): Promise<void> {
    const values = this.values(tx);
    const stored = await values.values(spec.name);
    const attribute = toAttributeDefinition(spec);
    const path = `${this.registries.customUserUrn}:${spec.name}`;
    const misfits = stored.filter((value) => !fits(attribute, value, path)).length;
    if (misfits > 0) {
      throw new ConflictException(
        `${misfits} user(s) have a stored '${spec.name}' that is not ${describe(spec)}; change or clear those values first`,
      );
    }
    if (spec.required) {
      const missing = (await values.countUsers()) - stored.filter((value) => value !== '').length;
      if (missing > 0) {
        throw new ConflictException(
          `${missing} user(s) have no '${spec.name}'; it cannot be required until every user has a value`,
        );
      }
    }
  }

  private values(tx: WriteTx): CustomValuesRepository {
    return new CustomValuesRepository(tx, this.registries.customUserUrn);
  }

  private async record(
    tx: WriteTx,
    action: Extract<AuditAction, `user-attribute.${string}`>,
    definition: CustomAttributeDefinition,
    attributes: Record<string, AttributeChange>,
    other?: Record<string, unknown>,
  ): Promise<void> {
    await this.audit.record(tx, {
      action,
      actor: this.audit.staffActor(),
      resourceType: 'UserAttribute',
      resourceId: definition.name,
      resourceName: `${this.registries.customUserUrn}:${definition.name}`,
      changes: { attributes, ...(other ? { other } : {}) },
    });
  }
}

function withDefaults(input: CustomAttributeInput): CustomAttributeSpec {
  return {
    name: input.name,
    type: input.type,
    multiValued: input.multiValued ?? false,
    required: input.required ?? false,
    caseExact: input.caseExact ?? false,
    canonicalValues: input.canonicalValues ?? [],
    description: input.description ?? '',
  };
}

function checkSpec(spec: CustomAttributeSpec): void {
  const problems = specProblems(spec);
  if (problems.length > 0) throw new BadRequestException(problems.join('; '));
}

function activeDefinition(tenant: Tenant, name: string): CustomAttributeDefinition {
  const found = findDefinition(tenant.customUserAttributes, name);
  if (!found || found.status !== 'active') {
    throw new NotFoundException(`No active custom attribute '${name}' in tenant '${tenant.slug}'`);
  }
  return found;
}

function pickSpec(definition: CustomAttributeDefinition): CustomAttributeSpec {
  const { status: _status, createdAt: _createdAt, updatedAt: _updatedAt, ...spec } = definition;
  return spec;
}

function definedOnly(changes: CustomAttributeChanges): CustomAttributeChanges {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
}

function replaceDefinition(
  definitions: readonly CustomAttributeDefinition[],
  next: CustomAttributeDefinition,
): CustomAttributeDefinition[] {
  const lower = next.name.toLowerCase();
  const others = definitions.filter((d) => d.name.toLowerCase() !== lower);
  return [...others, next];
}

/** The spec fields that differ, for the audit event. */
function changesBetween(
  before: CustomAttributeSpec | undefined,
  after: CustomAttributeSpec,
): Record<string, AttributeChange> {
  const changes: Record<string, AttributeChange> = {};
  for (const field of SPEC_FIELDS) {
    const old = before?.[field];
    const next = after[field];
    if (JSON.stringify(old) !== JSON.stringify(next)) {
      changes[field] = before ? { old, new: next } : { new: next };
    }
  }
  return changes;
}

function fits(attribute: ReturnType<typeof toAttributeDefinition>, value: JsonValue, path: string): boolean {
  try {
    parseAttributeValue(attribute, value, path, { keepReadOnly: true });
    return true;
  } catch (error) {
    if (error instanceof ScimError) return false;
    throw error;
  }
}

function describe(spec: CustomAttributeSpec): string {
  return spec.multiValued ? `a list of ${spec.type} values` : `a single ${spec.type}`;
}
