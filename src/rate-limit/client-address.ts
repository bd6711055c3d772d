import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key under which a client's failed authentications are counted (SECURITY.md REL-RATE-04). IPv4-mapped IPv6
 * addresses count as their IPv4 address; other IPv6 addresses by their /64, because one subscriber usually holds
 * a whole /64 and could otherwise pick a fresh address for every attempt.
 */
export function clientAddressKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  if (isIPv4(ip)) return ip;
  const address = ip.replace(/%.*$/, ''); // a zone index (fe80::1%eth0) names an interface, not a host
  if (!isIPv6(address)) return ip;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address, lower-case and without leading zeros (`::` and a dotted tail expanded). */
function expandIPv6(address: string): string[] {
  const [head, tail] = address.toLowerCase().split('::');
  const groups = (part: string | undefined): string[] =>
    part
      ? part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [group];
          const [a, b, c, d] = group.split('.').map(Number);
          return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
        })
      : [];
  const before = groups(head);
  const after = tail === undefined ? [] : groups(tail);
  const zeros = Array<string>(8 - before.length - after.length).fill('0');
  return [...before, ...zeros, ...after].map((group) => parseInt(group, 16).toString(16));
}
