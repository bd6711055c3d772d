// One HTTP POST of a webhook (docs/SECURITY.md WH-03): to the address resolved and checked once, never following a
// redirect, within a time limit, reading at most a small part of the answer.
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';

/** How much of an answer is read: enough for an excerpt, never a receiver's whole page. */
export const ANSWER_CAP_BYTES = 4096;
export const EXCERPT_CHARS = 512;

export interface SendResult {
  /** The HTTP status, or null when no answer came (refused, reset, timed out). */
  status: number | null;
  latencyMs: number;
  /** The start of the answer's body, or what went wrong. */
  excerpt: string | null;
  error: string | null;
}

export interface PinnedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * Keep-alive connections to one endpoint for one delivery round: events go out over a few reused connections
 * instead of a TCP (and TLS) handshake each. Every connection it opens goes to `pinned`; `destroy()` it when the
 * round ends.
 */
export function endpointAgent(url: URL, pinned: PinnedAddress, sockets: number): http.Agent {
  const options = { keepAlive: true, maxSockets: sockets, lookup: pinnedLookup(pinned) };
  return url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
}

/**
 * POSTs `body` to `url` through `agent`, connecting to `pinned` whatever the URL's host resolves to now (TLS still
 * checks the certificate against the host name). A 3xx is an answer like any other non-2xx: its Location is not
 * followed.
 */
export function sendWebhook(
  url: URL,
  pinned: PinnedAddress,
  agent: http.Agent,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, latencyMs: elapsed() });
    };
    const request = transport.request(
      url,
      {
        method: 'POST',
        lookup: pinnedLookup(pinned),
        agent,
        headers: { ...headers, 'content-length': Buffer.byteLength(body).toString() },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () =>
          finish({
            status: response.statusCode ?? null,
            excerpt: Buffer.concat(chunks).toString('utf8').slice(0, EXCERPT_CHARS),
            error: null,
          });
        response.on('data', (chunk: Buffer) => {
          if (size >= ANSWER_CAP_BYTES) return;
          chunks.push(chunk.subarray(0, ANSWER_CAP_BYTES - size));
          size += chunk.length;
          // Enough read: the status is what counts; the rest of the answer is not waited for.
          if (size >= ANSWER_CAP_BYTES) {
            done();
            response.destroy();
          }
        });
        response.on('end', done);
        response.on('error', done);
      },
    );
    const timer = setTimeout(() => {
      finish({ status: null, excerpt: null, error: `no answer within ${timeoutMs} ms` });
      request.destroy();
    }, timeoutMs);
    request.on('error', (error) => finish({ status: null, excerpt: null, error: error.message }));
    request.end(body);
  });
}

/** A DNS lookup that always answers the address checked once (docs/SECURITY.md WH-03). */
function pinnedLookup(pinned: PinnedAddress): LookupFunction {
  return (_host, options, callback) => {
    if (options.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
    else callback(null, pinned.address, pinned.family);
  };
}
