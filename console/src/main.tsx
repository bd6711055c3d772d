import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, Session, whenSignedOut } from './api';
import { AttributesPage } from './pages/attributes';
import { AuditPage } from './pages/audit';
import { HealthPage } from './pages/health';
import { SignInPage } from './pages/sign-in';
import { TenantPage } from './pages/tenant';
import { TenantsPage } from './pages/tenants';
import { WebhooksPage } from './pages/webhooks';
import { BASE, Link, navigate, paths, useLocation } from './router';
import './style.css';

function Page(props: { session: Session; url: URL }) {
  const parts = props.url.pathname.slice(BASE.length).split('/').filter(Boolean).map(decodeURIComponent);
  const canChange = props.session.role === 'admin';
  if (parts[0] === 'tenants' && parts[1]) {
    const slug = parts[1];
    if (parts[2] === 'health') return <HealthPage slug={slug} />;
    if (parts[2] === 'audit') return <AuditPage slug={slug} query={props.url.searchParams} />;
    if (parts[2] === 'attributes') return <AttributesPage slug={slug} canChange={canChange} />;
    if (parts[2] === 'webhooks') return <WebhooksPage slug={slug} canChange={canChange} />;
    return <TenantPage slug={slug} canChange={canChange} />;
  }
  return <TenantsPage canChange={canChange} />;
}

function App() {
  const url = useLocation();
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  useEffect(() => {
    whenSignedOut(() => setSession(null));
    api.session().then(setSession, () => setSession(null));
  }, []);
  if (session === undefined) return <p class="loading">Loading…</p>;
  if (session === null)
    return (
      <SignInPage
        onSignedIn={(signedIn) => {
          setSession(signedIn);
          if (!url.pathname.startsWith(`${BASE}/tenants`)) navigate(paths.tenants());
        }}
      />
    );
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <nav aria-label="Console">
          <Link href={paths.tenants()} class="brand">
            SCIM staff console
          </Link>
        </nav>
        <div class="who">
          <span>
            Signed in as <strong>{session.name}</strong> ({session.role === 'admin' ? 'admin' : 'read-only'})
          </span>
          <button
            type="button"
            onClick={() => {
              void api.signOut().finally(() => setSession(null));
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main">
        <Page session={session} url={url} key={url.pathname} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
