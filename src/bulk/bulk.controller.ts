import { All, Body, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiExcludeEndpoint, ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { FailedOperation, RequestFailureRecorder } from '../audit/request-failures';
import { methodNotAllowed, ScimController } from '../scim/scim-controller.decorator';
import { CurrentTenant } from '../tenants/current-tenant.decorator';
import type { Tenant } from '../tenants/tenant.entity';
import type { TenantRequest } from '../tenants/tenant-authenticator';
import { SCIM_ERROR_RESPONSES } from '../users/users.swagger';
import { BULK_EXAMPLES, BULK_REQUEST_MODEL, BULK_RESPONSE_MODEL } from './bulk.swagger';
import { BulkResponse, BulkService } from './bulk.service';

@ScimController('Bulk')
@SCIM_ERROR_RESPONSES()
export class BulkController {
  constructor(
    private readonly bulk: BulkService,
    private readonly failures: RequestFailureRecorder,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Several writes in one request (RFC 7644 §3.7); bulkId references, failOnErrors',
    description:
      'Each operation runs as its single request would (own transaction, audit event, and one unit of the ' +
      "tenant's rate limit). Limits: bulk.maxOperations and bulk.maxPayloadSize of /ServiceProviderConfig (413). " +
      'Circular bulkId references are refused with 409.',
  })
  @ApiBody({ schema: { ...BULK_REQUEST_MODEL, example: BULK_EXAMPLES.request } })
  @ApiResponse({
    status: 200,
    description: 'BulkResponse: each operation run, with its own status; failed ones carry the SCIM error',
    content: {
      'application/scim+json': {
        schema: BULK_RESPONSE_MODEL,
        examples: {
          'A user and a group with that user as member': { value: BULK_EXAMPLES.response },
          'failOnErrors 1, the first operation failed': { value: BULK_EXAMPLES.failed },
        },
      },
    },
  })
  async process(
    @CurrentTenant() tenant: Tenant,
    @Body() body: unknown,
    @Req() request: TenantRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<BulkResponse> {
    // A client that has gone away gets no more operations run: its in-flight slot was given back when the connection
    // closed (tenant-admission.ts), so going on would run work outside the tenant's in-flight cap.
    const gone = new AbortController();
    const abandon = () => gone.abort();
    response.once('close', abandon);
    const failures: FailedOperation[] = [];
    try {
      return await this.bulk.process(tenant, body, {
        signal: gone.signal,
        onFailure: (error, operation) => failures.push({ error, operation }),
      });
    } finally {
      response.off('close', abandon);
      // Each failed operation is recorded like a failed single request (audit `request.failed`).
      this.failures.recordOperations(request, failures);
    }
  }

  @All()
  @ApiExcludeEndpoint()
  otherMethods(): never {
    throw methodNotAllowed(['POST']);
  }
}
