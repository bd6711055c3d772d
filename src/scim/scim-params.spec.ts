import { createDefaultRegistry } from '../scim-core';
import { isReturned } from './scim-params';

describe('isReturned (RFC 7644 §3.9 with RFC 7643 §7 returned)', () => {
  it('answers each projection for itself, before and after the default projection was asked once', () => {
    const registry = createDefaultRegistry();
    // A non-default answer first: it must not become the default projection's answer.
    expect(isReturned(registry, 'Group', { excludedAttributes: ['members'] }, 'members')).toBe(false);
    expect(isReturned(registry, 'Group', {}, 'members')).toBe(true);
    expect(isReturned(registry, 'Group', { attributes: ['displayName'] }, 'members')).toBe(false);
    expect(isReturned(registry, 'Group', { excludedAttributes: ['MEMBERS.value'] }, 'members')).toBe(true);
    expect(isReturned(registry, 'Group', {}, 'members')).toBe(true);
    expect(isReturned(registry, 'User', { attributes: ['userName'] }, 'groups')).toBe(false);
    expect(isReturned(registry, 'User', {}, 'groups')).toBe(true);
    expect(isReturned(registry, 'User', { attributes: ['groups.display'] }, 'groups')).toBe(true);
  });

  it('names nothing that the resource type does not have', () => {
    expect(isReturned(createDefaultRegistry(), 'User', {}, 'members')).toBe(false);
  });
});
