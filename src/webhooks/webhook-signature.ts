// Standard Webhooks 1.0 signatures (docs/CHANGE-FEED.md "Webhooks"), with the `standardwebhooks` package.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { EndpointSecrets } from './webhook-endpoints.repository';

/** A new signing secret: `whsec_` and 32 random bytes in base64, the form the Standard Webhooks libraries read. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The `webhook-signature` header: `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, and while a rotated-out
 * secret is still within its overlap, its signature too, space-separated: a consumer that has not switched yet
 * still verifies.
 */
export function signatureHeader(
  secrets: EndpointSecrets,
  id: string,
  at: Date,
  body: string,
  now: Date,
): string {
  const signatures = [new Webhook(secrets.secret).sign(id, at, body)];
  if (secrets.previousSecret && secrets.previousSecretUntil && secrets.previousSecretUntil > now)
    signatures.push(new Webhook(secrets.previousSecret).sign(id, at, body));
  return signatures.join(' ');
}
