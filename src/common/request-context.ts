import { Global, Injectable, Module } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

declare module 'http' {
  interface IncomingMessage {
    /** The request's id, set by openRequestContext before anything else reads it. */
    id: string;
  }
}

/**
 * What the per-request context carries for logs and audit. The tenant itself travels explicitly as an argument to
 * services and repositories (STYLE.md §3); this is only for correlation and for naming the audit actor.
 */
export interface RequestContextStore {
  /** The request's id (X-Request-Id); every log line of the request carries it. */
  requestId?: string;
  /** The HTTP request, for the audit event's source address and staff actor. */
  request?: Request;
  tenantId?: string;
  tokenId?: string;
  /** The token's name (e.g. "entra"), for audit events without another database read. */
  tokenName?: string;
  staffToken?: string;
  /** The operator a CLI command runs for ("cli:alice") when the CLI works on the database in-process (cli/channel.ts). */
  operator?: string;
}

/**
 * One AsyncLocalStorage for the whole process. It is the only one the service opens: while any is in use, Node
 * propagates every one of them into every promise and callback, so each more costs every request (docs/PERFORMANCE.md).
 */
const storage = new AsyncLocalStorage<RequestContextStore>();

/** The context of the request (or CLI command) being served; undefined outside one. For code without DI (logging). */
export function currentRequestContext(): RequestContextStore | undefined {
  return storage.getStore();
}

/**
 * The per-request context (AsyncLocalStorage), opened by `openRequestContext` for every HTTP request and by the CLI
 * for each command. Guards write the caller into it; the audit service and the log lines read it.
 */
@Injectable()
export class RequestContext {
  /** The current context; undefined outside a request or CLI command. */
  get current(): RequestContextStore | undefined {
    return storage.getStore();
  }

  /** Runs `work` in a context of its own (the CLI's commands). */
  run<T>(store: RequestContextStore, work: () => T): T {
    return storage.run(store, work);
  }
}

@Global()
@Module({ providers: [RequestContext], exports: [RequestContext] })
export class RequestContextModule {}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Express middleware, installed before anything that logs: the request's id (a caller's X-Request-Id if it is
 * harmless in logs, otherwise a new one, echoed in the response) and its context, in which the rest of the request
 * runs.
 */
export function openRequestContext(request: Request, response: Response, next: NextFunction): void {
  const given = request.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  request.id = id;
  response.setHeader('X-Request-Id', id);
  storage.run({ requestId: id, request }, next);
}
