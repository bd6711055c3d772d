import { useEffect, useState } from 'preact/hooks';
import { SLUG_PATTERN as SLUG } from '../../../src/tenants/tenant-host';
import { api } from '../api';
import { Link, navigate, paths } from '../router';
import { ErrorText, PageTitle, useAction, useLoad, when } from '../ui';

export function TenantsPage(props: { canChange: boolean }) {
  const [search, setSearch] = useState('');
  const tenants = useLoad(() => api.tenants(search.trim()), [search]);
  const action = useAction();
  return (
    <>
      <PageTitle>Tenants</PageTitle>
      <div class="toolbar">
        <label for="tenant-search">Search tenants</label>
        <input
          id="tenant-search"
          type="search"
          value={search}
          placeholder="slug or name"
          onInput={(event) => setSearch(event.currentTarget.value)}
        />
      </div>
      <ErrorText error={tenants.error ?? action.error} />
      <div class="table-wrap">
        <table aria-busy={tenants.loading}>
          <caption class="visually-hidden">Tenants with their provisioning state</caption>
          <thead>
            <tr>
              <th scope="col">Tenant</th>
              <th scope="col">Status</th>
              <th scope="col">Users</th>
              <th scope="col">Groups</th>
              <th scope="col">Last request</th>
              <th scope="col">Last change</th>
              <th scope="col">Failures (24 h)</th>
              {props.canChange && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {(tenants.data ?? []).map((tenant) => (
              <tr key={tenant.slug} data-tenant={tenant.slug}>
                <th scope="row">
                  <Link href={paths.tenant(tenant.slug)}>{tenant.slug}</Link>
                  <div class="sub">{tenant.displayName}</div>
                </th>
                <td>
                  <span class={`badge ${tenant.status}`}>{tenant.status}</span>
                </td>
                <td class="num">{tenant.users}</td>
                <td class="num">{tenant.groups}</td>
                <td>{when(tenant.lastRequestAt)}</td>
                <td>{when(tenant.lastChangeAt)}</td>
                <td class="num">
                  <Link href={paths.health(tenant.slug)}>{tenant.failures24h}</Link>
                </td>
                {props.canChange && (
                  <td>
                    <button
                      type="button"
                      disabled={action.busy}
                      onClick={() =>
                        void action.run(async () => {
                          await api.setStatus(
                            tenant.slug,
                            tenant.status === 'active' ? 'suspended' : 'active',
                          );
                          tenants.reload();
                        })
                      }
                    >
                      {tenant.status === 'active' ? 'Suspend' : 'Reactivate'}
                      <span class="visually-hidden"> {tenant.slug}</span>
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
        {tenants.data?.length === 0 && <p>No tenants match.</p>}
      </div>
      {props.canChange && <CreateTenant />}
    </>
  );
}

function CreateTenant() {
  const [slug, setSlug] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [taken, setTaken] = useState<boolean | null>(null);
  const action = useAction();
  const shapeProblem =
    slug && !SLUG.test(slug)
      ? 'Lower-case letters, digits and hyphens, 1–63 characters, no hyphen at either end.'
      : null;
  // Checked as you type (after a short pause): does a tenant with this slug exist already?
  useEffect(() => {
    setTaken(null);
    if (!slug || shapeProblem) return;
    const timer = setTimeout(() => {
      api.tenantExists(slug).then(setTaken, () => setTaken(null));
    }, 250);
    return () => clearTimeout(timer);
  }, [slug]);
  const slugMessage =
    shapeProblem ?? (taken ? 'A tenant with this slug exists already.' : taken === false ? 'Available.' : '');
  return (
    <section aria-labelledby="create-tenant">
      <h2 id="create-tenant">Create a tenant</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void action.run(async () => {
            const created = await api.createTenant(slug, displayName);
            navigate(paths.tenant(created.slug));
          });
        }}
      >
        <label for="new-slug">Slug (the tenant's host name)</label>
        <input
          id="new-slug"
          required
          value={slug}
          aria-invalid={!!shapeProblem || taken === true}
          aria-describedby="new-slug-status"
          onInput={(event) => setSlug(event.currentTarget.value.trim())}
        />
        <p id="new-slug-status" class={shapeProblem || taken ? 'error' : 'help'} aria-live="polite">
          {slugMessage}
        </p>
        <label for="new-name">Display name</label>
        <input
          id="new-name"
          required
          maxLength={200}
          value={displayName}
          onInput={(event) => setDisplayName(event.currentTarget.value)}
        />
        <ErrorText error={action.error} />
        <button type="submit" class="primary" disabled={action.busy || !!shapeProblem || taken === true}>
          Create tenant
        </button>
      </form>
    </section>
  );
}
