// Swagger documentation for /Groups: Entra's and Okta's real request bodies (ENTRA.md E14–E20) as examples.
// The SCIM error responses are the same as for /Users.
import { SCIM_ERROR_RESPONSES } from '../users/users.swagger';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const patch = (...operations: object[]) => ({ value: { schemas: [PATCH_OP], Operations: operations } });
const USER_ID = 'f648f8d5-ea4e-4cd3-8e9c-2b1e5a0c7d11';

export { SCIM_ERROR_RESPONSES };

export const GROUP_EXAMPLES = {
  /** ENTRA.md E14: Entra adds a Microsoft schema URI (accepted, ignored) and `meta`; groups start empty. */
  create: {
    schemas: [GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
    externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
    displayName: 'Sales',
    meta: { resourceType: 'Group' },
  },
  /** Okta group push creates a group with its members. */
  createWithMembers: {
    schemas: [GROUP],
    displayName: 'Engineering',
    members: [{ value: USER_ID, display: 'alice@contoso.com' }],
  },
  search: {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
    filter: 'displayName eq "Sales"',
    excludedAttributes: ['members'],
  },
  patch: {
    'Entra: add members (E18)': patch({
      op: 'Add',
      path: 'members',
      value: [{ $ref: null, value: USER_ID }],
    }),
    'Entra: remove members, default job (E19)': patch({
      op: 'Remove',
      path: 'members',
      value: [{ $ref: null, value: USER_ID }],
    }),
    'Entra: remove a member, aadOptscim062020 (E19)': patch({
      op: 'remove',
      path: `members[value eq "${USER_ID}"]`,
    }),
    'Entra: rename (E17)': patch({ op: 'Replace', path: 'displayName', value: 'Sales EMEA' }),
    'Okta: set the exact member list (empty allowed)': patch({ op: 'replace', path: 'members', value: [] }),
    'Remove all members (RFC 7644 §3.5.2.2)': patch({ op: 'remove', path: 'members' }),
  },
};
