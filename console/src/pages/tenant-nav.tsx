import { Link, paths } from '../router';

type Section = 'tenant' | 'health' | 'audit' | 'attributes' | 'webhooks';

const SECTIONS: [Section, string, (slug: string) => string][] = [
  ['tenant', 'Tokens and setup', paths.tenant],
  ['health', 'Provisioning health', paths.health],
  ['audit', 'Audit trail', (slug) => paths.audit(slug)],
  ['attributes', 'Custom attributes', paths.attributes],
  ['webhooks', 'Webhooks and feed', paths.webhooks],
];

export function TenantNav(props: { slug: string; current: Section }) {
  return (
    <nav aria-label="Tenant" class="tabs">
      <Link href={paths.tenants()}>← All tenants</Link>
      {SECTIONS.map(([section, label, href]) =>
        section === props.current ? (
          <span key={section} aria-current="page" class="current">
            {label}
          </span>
        ) : (
          <Link key={section} href={href(props.slug)}>
            {label}
          </Link>
        ),
      )}
    </nav>
  );
}
