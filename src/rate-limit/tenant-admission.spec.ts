import { EventEmitter } from 'node:events';
import type { NextFunction, Request, Response } from 'express';
import type { Tenant } from '../tenants/tenant.entity';
import { admitTenantRequests } from './tenant-admission';

const tenant = { id: 'tenant-a' } as Tenant;

function admitted(whileWaiting: (response: EventEmitter) => void) {
  const release = jest.fn();
  const response = new EventEmitter();
  const middleware = admitTenantRequests(
    { authenticate: () => Promise.resolve(tenant) },
    {
      admit: () => {
        whileWaiting(response);
        return Promise.resolve(release);
      },
    },
  );
  return new Promise<{ release: jest.Mock; response: EventEmitter }>((resolve) =>
    middleware(
      { path: '/api/scim/Users' } as Request,
      response as unknown as Response,
      (() => resolve({ release, response })) as NextFunction,
    ),
  );
}

describe('admitTenantRequests: the in-flight slot (REL-RATE-02)', () => {
  it('gives the slot back when the response closes', async () => {
    const { release, response } = await admitted(() => undefined);
    expect(release).not.toHaveBeenCalled();
    response.emit('close');
    expect(release).toHaveBeenCalledTimes(1);
  });

  it('gives it back at once when the client went away while the request waited for it', async () => {
    const { release } = await admitted((response) => response.emit('close'));
    expect(release).toHaveBeenCalledTimes(1);
  });
});
