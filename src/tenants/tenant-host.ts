// Which tenant a request's host names. Pure, so every edge case is unit-tested (SECURITY.md HOST-03, HOST-05).

/** A DNS label: lower-case letters, digits and hyphens, 1–63 characters, no hyphen at either end. */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The host without its port, lower-cased; null for something that is not a plain host name. */
export function normaliseHost(host: string | undefined): string | null {
  if (!host) return null;
  const withoutPort = host
    .trim()
    .toLowerCase()
    .replace(/:\d{1,5}$/, '');
  // `kund.example.com.` names the same host in DNS absolute form: one trailing dot is dropped. A second one, or
  // anything outside host-name characters, is refused, not guessed.
  const name = withoutPort.endsWith('.') ? withoutPort.slice(0, -1) : withoutPort;
  return /^[a-z0-9.-]{1,253}$/.test(name) && !name.endsWith('.') ? name : null;
}

/** The first label under one of the base domains: `kund.example.com` → `kund`; apex or other hosts → null. */
export function tenantSlugFromHost(host: string | undefined, baseDomains: readonly string[]): string | null {
  const name = normaliseHost(host);
  if (!name) return null;
  for (const domain of baseDomains) {
    if (!name.endsWith(`.${domain}`)) continue;
    const label = name.slice(0, -(domain.length + 1));
    return SLUG_PATTERN.test(label) ? label : null;
  }
  return null;
}

export function isAdminHost(host: string | undefined, adminHosts: readonly string[]): boolean {
  const name = normaliseHost(host);
  return name !== null && adminHosts.includes(name);
}
