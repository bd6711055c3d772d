import { useState } from 'preact/hooks';
import { api, IssuedToken, RotatedToken, Token } from '../api';
import { navigate, paths } from '../router';
import { CopyField, ErrorText, PageTitle, useAction, useLoad, when } from '../ui';
import { TenantNav } from './tenant-nav';

const GRACES: [number, string][] = [
  [0, 'none: the old token stops now'],
  [60, '1 hour'],
  [24 * 60, '1 day'],
  [3 * 24 * 60, '3 days'],
  [7 * 24 * 60, '7 days'],
];

export function TenantPage(props: { slug: string; canChange: boolean }) {
  const tenant = useLoad(() => api.tenant(props.slug), [props.slug]);
  const tokens = useLoad(() => api.tokens(props.slug), [props.slug]);
  const [shown, setShown] = useState<IssuedToken | RotatedToken | null>(null);
  if (tenant.error) return <ErrorText error={tenant.error} />;
  const t = tenant.data;
  return (
    <>
      <PageTitle>
        {props.slug}
        {t && <span class="sub"> {t.displayName}</span>}
      </PageTitle>
      <TenantNav slug={props.slug} current="tenant" />
      {t && (
        <dl class="facts">
          <div>
            <dt>Status</dt>
            <dd>
              <span class={`badge ${t.status}`}>{t.status}</span>
            </dd>
          </div>
          <div>
            <dt>Users</dt>
            <dd>{t.users}</dd>
          </div>
          <div>
            <dt>Groups</dt>
            <dd>{t.groups}</dd>
          </div>
          <div>
            <dt>Last request</dt>
            <dd>{when(t.lastRequestAt)}</dd>
          </div>
          <div>
            <dt>Failures (24 h)</dt>
            <dd>{t.failures24h}</dd>
          </div>
        </dl>
      )}
      {t && <CopyField id="tenant-url" label="Tenant URL" value={t.tenantUrl} />}
      {shown && <ShownOnce token={shown} onDone={() => setShown(null)} />}
      <section aria-labelledby="tokens-title">
        <h2 id="tokens-title">Secret Tokens</h2>
        <ErrorText error={tokens.error} />
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key id</th>
                <th scope="col">Ends with</th>
                <th scope="col">State</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                {props.canChange && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {(tokens.data ?? []).map((token) => (
                <TokenRow
                  key={token.keyId}
                  slug={props.slug}
                  token={token}
                  canChange={props.canChange}
                  onRotated={(rotated) => {
                    setShown(rotated);
                    tokens.reload();
                  }}
                  onRevoked={() => tokens.reload()}
                />
              ))}
            </tbody>
          </table>
        </div>
        {props.canChange && (
          <IssueToken
            slug={props.slug}
            onIssued={(issued) => {
              setShown(issued);
              tokens.reload();
            }}
          />
        )}
      </section>
      {props.canChange && <Offboard slug={props.slug} />}
    </>
  );
}

function stateOf(token: Token): string {
  if (token.revokedAt) return 'revoked';
  if (!token.active) return 'expired';
  return token.expiresAt ? 'active (expires)' : 'active';
}

function TokenRow(props: {
  slug: string;
  token: Token;
  canChange: boolean;
  onRotated: (rotated: RotatedToken) => void;
  onRevoked: () => void;
}) {
  const { token } = props;
  const [grace, setGrace] = useState(24 * 60);
  const [confirming, setConfirming] = useState(false);
  const action = useAction();
  const id = `token-${token.keyId}`;
  return (
    <tr data-key-id={token.keyId}>
      <th scope="row">{token.name}</th>
      <td class="mono">{token.keyId}</td>
      <td class="mono">…{token.lastFour}</td>
      <td>{stateOf(token)}</td>
      <td>{when(token.lastUsedAt)}</td>
      <td>{when(token.expiresAt)}</td>
      {props.canChange && (
        <td>
          {token.active && (
            <div class="actions">
              <label for={`${id}-grace`}>Old token keeps working</label>
              <select
                id={`${id}-grace`}
                value={grace}
                onChange={(event) => setGrace(Number(event.currentTarget.value))}
              >
                {GRACES.map(([minutes, label]) => (
                  <option key={minutes} value={minutes}>
                    {label}
                  </option>
                ))}
              </select>
              <button
                type="button"
                disabled={action.busy}
                onClick={() =>
                  void action.run(async () =>
                    props.onRotated(await api.rotateToken(props.slug, token.keyId, grace)),
                  )
                }
              >
                Rotate<span class="visually-hidden"> {token.keyId}</span>
              </button>
              {confirming ? (
                <span role="group" aria-label={`Confirm revoking ${token.keyId}`}>
                  <button
                    type="button"
                    class="danger"
                    disabled={action.busy}
                    onClick={() =>
                      void action.run(async () => {
                        await api.revokeToken(props.slug, token.keyId);
                        setConfirming(false);
                        props.onRevoked();
                      })
                    }
                  >
                    Yes, revoke {token.keyId}
                  </button>
                  <button type="button" onClick={() => setConfirming(false)}>
                    Cancel
                  </button>
                </span>
              ) : (
                <button type="button" class="danger" onClick={() => setConfirming(true)}>
                  Revoke<span class="visually-hidden"> {token.keyId}</span>
                </button>
              )}
            </div>
          )}
          <ErrorText error={action.error} />
        </td>
      )}
    </tr>
  );
}

function IssueToken(props: { slug: string; onIssued: (issued: IssuedToken) => void }) {
  const [name, setName] = useState('entra');
  const [expiresAt, setExpiresAt] = useState('');
  const action = useAction();
  return (
    <form
      class="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        void action.run(async () => {
          const expiry = expiresAt ? new Date(expiresAt).toISOString() : undefined;
          props.onIssued(await api.issueToken(props.slug, name, expiry));
        });
      }}
    >
      <h3>Issue a token</h3>
      <label for="token-name">Name (what it is for)</label>
      <input
        id="token-name"
        required
        maxLength={100}
        value={name}
        onInput={(e) => setName(e.currentTarget.value)}
      />
      <label for="token-expiry">Expires (optional)</label>
      <input
        id="token-expiry"
        type="date"
        value={expiresAt}
        onInput={(e) => setExpiresAt(e.currentTarget.value)}
      />
      <ErrorText error={action.error} />
      <button type="submit" class="primary" disabled={action.busy}>
        Issue token
      </button>
    </form>
  );
}

/** The clear token, shown once (the server never shows it again), with what to do in Entra. */
function ShownOnce(props: { token: IssuedToken | RotatedToken; onDone: () => void }) {
  const { token } = props;
  const previous = 'previous' in token ? token.previous : null;
  return (
    <section class="shown-once" aria-labelledby="shown-once-title">
      <h2 id="shown-once-title">New Secret Token — shown once</h2>
      <p>Copy it now: it cannot be shown again. Store it only in Entra.</p>
      <CopyField id="new-token" label="Secret Token" value={token.token} />
      <CopyField id="new-token-url" label="Tenant URL" value={token.tenantUrl} />
      {previous && (
        <p role="status">
          The old token <span class="mono">{previous.keyId}</span> keeps working until{' '}
          <strong>{when(previous.expiresAt)}</strong>; the new one{' '}
          {token.expiresAt ? `expires ${when(token.expiresAt)}` : 'does not expire'}.
        </p>
      )}
      <h3>In Microsoft Entra</h3>
      <ol class="checklist">
        <li>
          Entra admin center → Enterprise applications → the app → Provisioning → set Provisioning Mode to
          Automatic.
        </li>
        <li>
          Under Admin Credentials, paste the Tenant URL above into “Tenant URL” and the token into “Secret
          Token”.
        </li>
        <li>Press Test Connection; it must succeed before you save.</li>
        <li>Save. Keep the default attribute mappings (users and groups) unless the customer needs more.</li>
        <li>Set Provisioning Status to On and save; the first cycle starts within about 40 minutes.</li>
      </ol>
      <button type="button" onClick={props.onDone}>
        I have stored it
      </button>
    </section>
  );
}

function Offboard(props: { slug: string }) {
  const [typed, setTyped] = useState('');
  const action = useAction();
  return (
    <section aria-labelledby="offboard-title" class="danger-zone">
      <h2 id="offboard-title">Offboard</h2>
      <p>
        First{' '}
        <a href={api.exportUrl(props.slug)} download={`${props.slug}-export.json`}>
          export the tenant
        </a>{' '}
        (users, groups and audit trail as JSON). Deleting removes everything of it, its tokens and its audit
        trail.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void action.run(async () => {
            await api.deleteTenant(props.slug, typed);
            navigate(paths.tenants());
          });
        }}
      >
        <label for="confirm-slug">Type the slug, {props.slug}, to delete it</label>
        <input
          id="confirm-slug"
          autoComplete="off"
          value={typed}
          onInput={(e) => setTyped(e.currentTarget.value)}
        />
        <ErrorText error={action.error} />
        <button type="submit" class="danger" disabled={action.busy || typed !== props.slug}>
          Delete tenant {props.slug}
        </button>
      </form>
    </section>
  );
}
