import { MESSAGE_URNS } from '../schema/common.schema';
import type { JsonObject } from '../schema/schema.types';

export interface ListResponse<T extends JsonObject = JsonObject> {
  schemas: [typeof MESSAGE_URNS.listResponse];
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: T[];
}

/** RFC 7644 §3.4.2: itemsPerPage is the number of resources in this page (ENTRA E29). */
export function buildListResponse<T extends JsonObject>(
  resources: T[],
  page: { totalResults: number; startIndex: number },
): ListResponse<T> {
  return {
    schemas: [MESSAGE_URNS.listResponse],
    totalResults: page.totalResults,
    startIndex: page.startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}
