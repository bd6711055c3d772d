// Where a webhook may be sent (docs/SECURITY.md WH-01..WH-04): a URL staff register must not turn the service into
// a way to reach its own network (server-side request forgery).
import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

export interface AddressPolicy {
  /** http:// allowed, to loopback addresses only (WEBHOOK_ALLOW_HTTP_LOOPBACK). */
  allowHttpLoopback: boolean;
  /** CIDRs reachable although private, loopback or link-local (WEBHOOK_ALLOWED_NETWORKS). */
  allowedNetworks: string[];
}

/** The policy the service is configured with: one for registration and delivery alike. */
export function webhookAddressPolicy(env: {
  WEBHOOK_ALLOW_HTTP_LOOPBACK: boolean;
  WEBHOOK_ALLOWED_NETWORKS: string[];
}): AddressPolicy {
  return {
    allowHttpLoopback: env.WEBHOOK_ALLOW_HTTP_LOOPBACK,
    allowedNetworks: env.WEBHOOK_ALLOWED_NETWORKS,
  };
}

/** A refused URL or address, with the reason staff see (400 at registration, a failed attempt at delivery). */
export class WebhookAddressError extends Error {}

/**
 * Ranges no webhook reaches unless allow-listed: every address ipaddr.js does not classify as `unicast` on the
 * public internet (private, loopback, link-local with the cloud metadata address 169.254.169.254, carrier-grade NAT,
 * unique-local IPv6 with fd00:ec2::254, multicast, reserved, unspecified, NAT64 and 6to4 forms, …). Addresses come
 * through `ipaddr.process`, which turns IPv4-mapped IPv6 (`::ffff:10.0.0.1`) into the IPv4 address it carries.
 */
const isPublic = (address: ipaddr.IPv4 | ipaddr.IPv6) => address.range() === 'unicast';
const isLoopback = (address: ipaddr.IPv4 | ipaddr.IPv6) => address.range() === 'loopback';

function allowListed(address: ipaddr.IPv4 | ipaddr.IPv6, networks: string[]): boolean {
  return networks.some((cidr) => {
    const [network, bits] = ipaddr.parseCIDR(cidr);
    return network.kind() === address.kind() && address.match([network, bits]);
  });
}

/** Checks a URL's form: https (or http to loopback when allowed), no credentials, a host. Answers the URL. */
export function checkWebhookUrl(raw: string, policy: AddressPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookAddressError('The webhook URL is not a URL');
  }
  if (url.username || url.password)
    throw new WebhookAddressError('The webhook URL may not carry credentials');
  if (url.protocol === 'http:') {
    if (!policy.allowHttpLoopback)
      throw new WebhookAddressError(
        'Webhook URLs must use https (http only to loopback, when the service allows it)',
      );
  } else if (url.protocol !== 'https:') {
    throw new WebhookAddressError('Webhook URLs must use https');
  }
  // A literal address is checked now; a name when it is resolved, at every delivery.
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(literal)) checkAddress(literal, url, policy);
  return url;
}

/** Whether one resolved address may be reached for this URL. */
export function checkAddress(address: string, url: URL, policy: AddressPolicy): void {
  const parsed = ipaddr.process(address);
  if (allowListed(parsed, policy.allowedNetworks)) return;
  if (url.protocol === 'http:') {
    if (isLoopback(parsed)) return;
    throw new WebhookAddressError(`http:// webhooks may only reach loopback, not ${address}`);
  }
  if (!isPublic(parsed))
    throw new WebhookAddressError(
      `${url.hostname} resolves to ${address}, a ${parsed.range()} address: refused (allow it in WEBHOOK_ALLOWED_NETWORKS)`,
    );
}

/**
 * Resolves the URL's host once and checks every address it has (a name with one private address among public ones
 * is refused: the connection could pick either). The delivery then connects to the address answered here, so a
 * second resolution cannot change where it goes (DNS rebinding).
 */
export async function resolveWebhookAddress(
  url: URL,
  policy: AddressPolicy,
): Promise<{ address: string; family: 4 | 6 }> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = ipaddr.isValid(host)
    ? [{ address: host, family: ipaddr.parse(host).kind() === 'ipv4' ? 4 : 6 }]
    : await lookup(host, { all: true, verbatim: true }).catch(() => {
        throw new WebhookAddressError(`${host} does not resolve`);
      });
  if (addresses.length === 0) throw new WebhookAddressError(`${host} does not resolve`);
  for (const { address } of addresses) checkAddress(address, url, policy);
  const [first] = addresses;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
