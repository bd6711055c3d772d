import { ClsStore } from 'nestjs-cls';

/**
 * What the per-request context (AsyncLocalStorage via nestjs-cls) carries for logs and audit. The tenant itself
 * travels explicitly as an argument to services and repositories (STYLE.md §3); this is only for correlation.
 */
export interface RequestContextStore extends ClsStore {
  requestId?: string;
  tenantId?: string;
  tokenId?: string;
  /** The token's name (e.g. "entra"), for audit events without another database read. */
  tokenName?: string;
  staffToken?: string;
}
