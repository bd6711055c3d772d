import { All, Get } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { methodNotAllowed, ScimController } from './scim-controller.decorator';

// TODO(#3): generated from the schema registry once the SCIM core lands.
const SERVICE_PROVIDER_CONFIG = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
  patch: { supported: false },
  bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
  filter: { supported: false, maxResults: 0 },
  changePassword: { supported: false },
  sort: { supported: false },
  etag: { supported: false },
  authenticationSchemes: [
    {
      type: 'oauthbearertoken',
      name: 'OAuth Bearer Token',
      description: 'The Secret Token issued for this tenant, sent as Authorization: Bearer <token>',
      primary: true,
    },
  ],
};

@ScimController('ServiceProviderConfig')
export class ServiceProviderConfigController {
  @Get()
  @ApiOperation({ summary: 'What this SCIM service supports (RFC 7644 §4)' })
  @ApiOkResponse({ description: 'The ServiceProviderConfig resource' })
  get() {
    return SERVICE_PROVIDER_CONFIG;
  }

  @All()
  @ApiExcludeEndpoint()
  other(): never {
    throw methodNotAllowed(['GET']);
  }
}
