// Public API of the framework-free SCIM 2.0 core (RFC 7643 / RFC 7644 with Entra compatibility).

export { ScimError, SCIM_ERROR_SCHEMA, type ScimErrorBody, type ScimType } from './errors/scim-error';
export { LIMITS, MAX_RESULTS, MAX_PAYLOAD_BYTES } from './limits';

export * from './schema/schema.types';
export { SCHEMA_URNS, MESSAGE_URNS, COMMON_ATTRIBUTES } from './schema/common.schema';
export { USER_SCHEMA } from './schema/user.schema';
export { GROUP_SCHEMA } from './schema/group.schema';
export { ENTERPRISE_USER_SCHEMA } from './schema/enterprise-user.schema';
export {
  SchemaRegistry,
  createDefaultRegistry,
  USER_RESOURCE_TYPE,
  GROUP_RESOURCE_TYPE,
  type ResolvedAttribute,
} from './schema/schema.registry';
export { parseResource, deepEqual, type ParseMode, type ParseOptions } from './schema/resource.parser';
export { userNameKey, checkUserName } from './schema/strings';
export { parseAttrPath, formatAttrPath, type AttrPath } from './schema/attribute-path';

export type { FilterNode, FilterValue, CompareOperator } from './filter/filter.ast';
export { parseFilter } from './filter/filter.parser';
export { printFilter } from './filter/filter.printer';
export { resolveFilter, type ResolvedFilter } from './filter/filter.resolver';
export { evaluateFilter, matchesFilter } from './filter/filter.evaluator';
export {
  compileFilter,
  escapeLike,
  type FilterStorage,
  type ColumnStorage,
  type JoinStorage,
  type SqlValueType,
  type SqlFragment,
  type CompileOptions,
} from './filter/filter.sql';

export { applyPatch, type PatchResult } from './patch/patch.engine';
export { splitMembers, type MembershipOperation } from './patch/patch.members';
export { parsePatchRequest, type PatchOperation, type PatchOpName } from './patch/patch.request';

export { projectResource, type ProjectionOptions } from './serializer/projection';
export { buildMeta, resourceLocation, weakEtag, parseEtag, type MetaInput } from './serializer/meta';
export { buildListResponse, type ListResponse } from './serializer/list-response';
export {
  parseListParams,
  isPreparableLookup,
  isUniqueLookup,
  pageWithTotal,
  totalFromPage,
  pageOf,
  type ListParams,
  type ListParamsOptions,
} from './serializer/list-params';

export {
  cursorAfter,
  encodeCursor,
  invalidCursor,
  type CursorKey,
  type CursorParams,
} from './serializer/cursor';

export {
  serviceProviderConfig,
  resourceTypesResponse,
  resourceTypeByName,
  schemasResponse,
  schemaByUrn,
  isAdvertised,
} from './discovery/discovery';

export {
  parseBulkRequest,
  executionOrder,
  bulkIdDefinitions,
  resolveReferences,
  type BulkRequest,
  type BulkOperation,
  type BulkMethod,
  type BulkResourceType,
} from './bulk/bulk.request';
