import { Injectable, Logger } from '@nestjs/common';
import { Env } from '../config/env';
import { TenantLimitsService } from '../rate-limit/tenant-limits.service';
import {
  bulkIdDefinitions,
  BulkOperation,
  executionOrder,
  MESSAGE_URNS,
  parseBulkRequest,
  resolveReferences,
  ScimError,
  ScimErrorBody,
} from '../scim-core';
import { toScimError } from '../scim/scim-errors';
import type { Tenant } from '../tenants/tenant.entity';
import { BulkOperations } from './bulk-operations';

/** One entry of BulkResponse.Operations (RFC 7644 §3.7.3); `status` is a string, as in the RFC's examples. */
export interface BulkOperationResult {
  method: string;
  bulkId?: string;
  location?: string;
  version?: string;
  status: string;
  /** The SCIM error envelope of a failed operation; successful ones carry no body (§3.7.3 allows omitting it). */
  response?: ScimErrorBody;
}

export interface BulkResponse {
  schemas: [typeof MESSAGE_URNS.bulkResponse];
  Operations: BulkOperationResult[];
}

export interface ProcessOptions {
  /** Told about every failed operation (the audit module records it like a failed request). */
  onFailure: (error: ScimError, operation: BulkOperation) => void;
  /** Aborted when the client has gone: the operations not yet run are not run. */
  signal?: AbortSignal;
}

/**
 * /Bulk (RFC 7644 §3.7): runs the operations one after another, each as the single request it stands for (its own
 * transaction and audit event, BulkOperations), in an order that resolves bulkId references (§3.7.2), and stops after
 * `failOnErrors` errors (§3.7.3) or when the client has gone. Each operation after the first costs one unit of the
 * tenant's rate limit (the request's admission paid for the first; docs/ARCHITECTURE.md "Bulk"); one bulk request
 * holds one in-flight slot, since its operations never overlap.
 */
@Injectable()
export class BulkService {
  private readonly logger = new Logger(BulkService.name);

  constructor(
    private readonly operations: BulkOperations,
    private readonly limits: TenantLimitsService,
    private readonly env: Env,
  ) {}

  async process(tenant: Tenant, body: unknown, { onFailure, signal }: ProcessOptions): Promise<BulkResponse> {
    const request = parseBulkRequest(body, this.env.BULK_MAX_OPERATIONS);
    const { order, circular } = executionOrder(request.operations);
    const run: Run = {
      circular,
      defined: new Set(bulkIdDefinitions(request.operations).keys()),
      created: new Map(),
      budget: new OperationBudget(this.limits, tenant),
    };
    const results = new Map<number, BulkOperationResult>();
    let errors = 0;
    for (const index of order) {
      // §3.7.3: past failOnErrors errors the rest is neither run nor reported.
      if (request.failOnErrors !== undefined && errors >= request.failOnErrors) break;
      if (signal?.aborted) break;
      const operation = request.operations[index];
      const echo = {
        method: operation.method,
        ...(operation.bulkId !== undefined ? { bulkId: operation.bulkId } : {}),
      };
      try {
        results.set(index, { ...echo, ...(await this.runOne(tenant, operation, run)) });
      } catch (thrown) {
        const error = toScimError(thrown);
        if (error.status >= 500) this.logger.error({ err: thrown }, 'Bulk operation failed');
        errors += 1;
        onFailure(error, operation);
        results.set(index, { ...echo, status: String(error.status), response: error.toJSON() });
      }
    }
    return {
      schemas: [MESSAGE_URNS.bulkResponse],
      // In request order, whatever order they ran in.
      Operations: [...results.entries()].sort(([a], [b]) => a - b).map(([, result]) => result),
    };
  }

  private async runOne(
    tenant: Tenant,
    operation: BulkOperation,
    run: Run,
  ): Promise<Pick<BulkOperationResult, 'location' | 'version' | 'status'>> {
    // Every operation costs a unit, as every single request does, whether it then fails or not.
    await run.budget.take();
    if (operation.invalid || !operation.target) throw operation.invalid ?? ScimError.internal();
    if (run.circular.has(operation.index)) throw circularReference(operation);
    const { id, data } = resolveReferences(operation, run.created, run.defined);
    const target = operation.target;
    const done = await this.operations.run(tenant, { ...target, id, data, version: operation.version });
    if (target.method === 'POST' && operation.bulkId !== undefined)
      run.created.set(operation.bulkId, done.id);
    return {
      location: done.location,
      ...(done.version !== undefined ? { version: done.version } : {}),
      status: String(done.status),
    };
  }
}

/** What one bulk request's operations share while they run. */
interface Run {
  circular: ReadonlySet<number>;
  /** bulkIds some POST of the request defines. */
  defined: ReadonlySet<string>;
  /** bulkId → id of the resource its POST created. */
  created: Map<string, string>;
  budget: OperationBudget;
}

/**
 * The tenant's rate limit as one bulk request draws on it: its admission paid for the first operation, each further
 * one takes a unit (TenantLimitsService.consume). Once refused, the remaining operations get the same 429 without
 * spending more: the client retries them later, as it would retry refused single requests.
 */
class OperationBudget {
  private prepaid = 1;
  private refused?: ScimError;

  constructor(
    private readonly limits: TenantLimitsService,
    private readonly tenant: Tenant,
  ) {}

  async take(): Promise<void> {
    if (this.refused) throw this.refused;
    if (this.prepaid > 0) {
      this.prepaid -= 1;
      return;
    }
    try {
      await this.limits.consume(this.tenant);
    } catch (error) {
      this.refused = toScimError(error);
      throw this.refused;
    }
  }
}

/**
 * RFC 7644 §3.7.1: a service provider MAY stop after a failed attempt to resolve circular references and answer
 * 409 (Conflict). Every operation of the circle gets it; whatever depends on them gets 409 too (resolveReferences).
 */
function circularReference(operation: BulkOperation): ScimError {
  return new ScimError(
    409,
    `The bulkId references of this operation (${operation.references.join(', ')}) form a circle that cannot be resolved`,
  );
}
