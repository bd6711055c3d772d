import { MESSAGE_URNS } from '../schema/common.schema';
import type { JsonObject } from '../schema/schema.types';

export interface ListResponse<T extends JsonObject = JsonObject> {
  schemas: [typeof MESSAGE_URNS.listResponse];
  totalResults: number;
  /** Index paging only (RFC 7644 §3.4.2.4). */
  startIndex?: number;
  itemsPerPage: number;
  /** Cursor paging only (RFC 9865 §2.2): the cursor of the next page, absent on the last one. */
  nextCursor?: string;
  Resources: T[];
}

/**
 * RFC 7644 §3.4.2: itemsPerPage is the number of resources in this page (ENTRA E29). A cursor page (RFC 9865) has
 * no startIndex, and a nextCursor unless it is the last.
 */
export function buildListResponse<T extends JsonObject>(
  resources: T[],
  page: { totalResults: number; startIndex?: number; nextCursor?: string },
): ListResponse<T> {
  return {
    schemas: [MESSAGE_URNS.listResponse],
    totalResults: page.totalResults,
    ...(page.startIndex !== undefined ? { startIndex: page.startIndex } : {}),
    itemsPerPage: resources.length,
    ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}),
    Resources: resources,
  };
}
