import { CHANGE_EVENT_TYPES } from '../../../src/events/change-event-types';
import { useEffect, useState } from 'preact/hooks';
import { api, WebhookEndpoint, WebhookSecret } from '../api';
import { CopyField, ErrorText, PageTitle, useAction, useLoad } from '../ui';
import { EndpointCard, Shown } from './webhook-endpoint';
import { LiveTail } from './live-tail';
import { TenantNav } from './tenant-nav';

/** Delivery state changes without anyone here doing anything: the endpoints are read again this often. */
const REFRESH_MS = 5_000;

/**
 * The tenant's webhook endpoints and those for every tenant (which receive its events too), with their delivery
 * health and attempts, and the tenant's change events live (docs/CHANGE-FEED.md).
 */
export function WebhooksPage(props: { slug: string; canChange: boolean }) {
  // Every reload reads the endpoints and, in each card, its attempts and backlog again.
  const [round, setRound] = useState(0);
  const refresh = () => setRound((n) => n + 1);
  const [shown, setShown] = useState<Shown | null>(null);
  const endpoints = useLoad(
    async () =>
      (await api.webhooks()).filter((endpoint) => endpoint.tenant === props.slug || endpoint.tenant === null),
    [props.slug, round],
  );
  useEffect(() => {
    const timer = setInterval(() => document.hidden || refresh(), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  const own = (endpoints.data ?? []).filter((endpoint) => endpoint.tenant !== null);
  const shared = (endpoints.data ?? []).filter((endpoint) => endpoint.tenant === null);
  const cards = (list: WebhookEndpoint[]) =>
    list.map((endpoint) => (
      <EndpointCard
        key={endpoint.id}
        slug={props.slug}
        endpoint={endpoint}
        round={round}
        canChange={props.canChange}
        onChanged={refresh}
        onSecret={setShown}
      />
    ));
  return (
    <>
      <PageTitle>Webhooks and change feed: {props.slug}</PageTitle>
      <TenantNav slug={props.slug} current="webhooks" />
      <ErrorText error={endpoints.error} />
      {shown && <ShownSecret shown={shown} onDone={() => setShown(null)} />}
      <section aria-labelledby="own-title" aria-busy={!endpoints.data}>
        <h2 id="own-title">Webhook endpoints of {props.slug}</h2>
        {endpoints.data && own.length === 0 && <p>None.</p>}
        {cards(own)}
      </section>
      <section aria-labelledby="shared-title" aria-busy={!endpoints.data}>
        <h2 id="shared-title">Endpoints for every tenant</h2>
        <p class="help">They receive {props.slug}'s events too.</p>
        {endpoints.data && shared.length === 0 && <p>None.</p>}
        {cards(shared)}
      </section>
      <p>
        <button type="button" onClick={refresh}>
          Refresh now
        </button>{' '}
        <span class="help">(the endpoints are read again every {REFRESH_MS / 1000} seconds)</span>
      </p>
      {props.canChange && (
        <AddEndpoint
          slug={props.slug}
          onAdded={(added) => {
            setShown({ ...added, at: new Date() });
            refresh();
          }}
        />
      )}
      <LiveTail slug={props.slug} />
    </>
  );
}

/** The signing secret, shown once (the API never shows it again). */
function ShownSecret(props: { shown: Shown; onDone: () => void }) {
  const { shown } = props;
  const until = new Date(shown.at.getTime() + (shown.overlapHours ?? 0) * 3_600_000);
  return (
    <section class="shown-once" aria-labelledby="secret-title">
      <h2 id="secret-title">New signing secret — shown once</h2>
      <p>
        Copy it now for the receiver at <span class="mono">{shown.endpoint.url}</span>: it cannot be shown
        again. Receivers verify each delivery with it (Standard Webhooks).
      </p>
      <CopyField id="new-webhook-secret" label="Signing secret" value={shown.secret} />
      {shown.overlapHours !== undefined && (
        <p role="status">
          {shown.overlapHours > 0 ? (
            <>
              The old secret stays valid for the overlap: it keeps signing beside the new one for{' '}
              {shown.overlapHours} hours, until about <strong>{until.toLocaleString()}</strong> (every
              delivery carries both signatures), so the receiver can switch meanwhile.
            </>
          ) : (
            'The old secret stopped signing now: deliveries carry the new signature only.'
          )}
        </p>
      )}
      <button type="button" onClick={props.onDone}>
        I have stored it
      </button>
    </section>
  );
}

function AddEndpoint(props: { slug: string; onAdded: (added: WebhookSecret) => void }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [types, setTypes] = useState<string[]>([]);
  const action = useAction();
  return (
    <form
      class="inline-form"
      aria-labelledby="add-endpoint-title"
      onSubmit={(event) => {
        event.preventDefault();
        void action.run(async () => {
          props.onAdded(await api.addWebhook(props.slug, url.trim(), types, description.trim()));
          setUrl('');
          setDescription('');
          setTypes([]);
        });
      }}
    >
      <h2 id="add-endpoint-title">Add an endpoint</h2>
      <p class="help">It receives {props.slug}'s events from now on, signed with a secret shown once.</p>
      <label for="webhook-url">URL (https)</label>
      <input
        id="webhook-url"
        class="wide"
        type="url"
        required
        maxLength={2048}
        value={url}
        onInput={(e) => setUrl(e.currentTarget.value)}
      />
      <label for="webhook-description">Description (optional)</label>
      <input
        id="webhook-description"
        maxLength={200}
        value={description}
        onInput={(e) => setDescription(e.currentTarget.value)}
      />
      <fieldset class="types">
        <legend>Event types (none chosen: every type)</legend>
        {CHANGE_EVENT_TYPES.map((type) => (
          <label key={type} class="check">
            <input
              type="checkbox"
              checked={types.includes(type)}
              onChange={(e) =>
                setTypes(e.currentTarget.checked ? [...types, type] : types.filter((t) => t !== type))
              }
            />{' '}
            <span class="mono">{type}</span>
          </label>
        ))}
      </fieldset>
      <ErrorText error={action.error} />
      <button type="submit" class="primary" disabled={action.busy}>
        Add endpoint
      </button>
    </form>
  );
}
