import { useState } from 'preact/hooks';
import { api, WebhookAttempt, WebhookEndpoint, WebhookSecret } from '../api';
import { ErrorText, useAction, useLoad, when } from '../ui';

/** A secret as the API answered it, shown once; after a rotation, how long the old one still signs. */
export type Shown = WebhookSecret & { overlapHours?: number; at: Date };

/** Attempts read per endpoint, newest first; the last delivery and failure are looked for among them. */
const ATTEMPTS = 50;
/** Attempts listed on the page (the rest only count for "last delivered"). */
const ATTEMPTS_LISTED = 10;
/** Waiting events counted per endpoint, at most (a larger backlog shows as "100 or more"). */
const BACKLOG = 100;

const OVERLAPS: [number, string][] = [
  [0, 'none: the old secret stops now'],
  [1, '1 hour'],
  [24, '1 day'],
  [72, '3 days'],
  [168, '7 days'],
];

/**
 * What waits for an endpoint: this tenant's events after its position, of the types it takes (the feed counts only
 * one tenant's; an endpoint for every tenant may wait for others' events too).
 */
async function backlogOf(slug: string, endpoint: WebhookEndpoint): Promise<string> {
  const page = await api.events(slug, endpoint.position, { limit: BACKLOG });
  const waiting = page.items.filter((e) => endpoint.eventTypes?.includes(e.type) ?? true).length;
  return page.items.length === BACKLOG ? `${waiting} of the next ${BACKLOG} or more` : String(waiting);
}

/** An endpoint's delivery health, its recent attempts and, for the admin role, what can be done to it. */
export function EndpointCard(props: {
  slug: string;
  endpoint: WebhookEndpoint;
  round: number;
  canChange: boolean;
  onChanged: () => void;
  onSecret: (shown: Shown) => void;
}) {
  const { endpoint } = props;
  const attempts = useLoad(() => api.webhookAttempts(endpoint.id, ATTEMPTS), [endpoint.id, props.round]);
  const backlog = useLoad(
    () => backlogOf(props.slug, endpoint),
    [endpoint.id, endpoint.position, props.round],
  );
  const lastOf = (delivered: boolean) => {
    if (!attempts.data) return '…';
    const found = attempts.data.find((a) => (a.outcome === 'delivered') === delivered);
    if (found) return when(found.at);
    return attempts.data.length < ATTEMPTS ? 'never' : `not in the last ${ATTEMPTS} attempts`;
  };
  const titleId = `endpoint-${endpoint.id}`;
  return (
    <article class="endpoint" data-endpoint={endpoint.id} aria-labelledby={titleId}>
      <h3 id={titleId} class="mono">
        {endpoint.url}
      </h3>
      {endpoint.description && <p class="sub">{endpoint.description}</p>}
      <dl class="facts" aria-busy={attempts.loading || backlog.loading}>
        <div>
          <dt>Status</dt>
          <dd>
            <span class={`badge ${endpoint.status}`}>{endpoint.status}</span>
            {endpoint.disabledReason && <span class="sub"> {endpoint.disabledReason}</span>}
          </dd>
        </div>
        <div>
          <dt>Event types</dt>
          <dd>{endpoint.eventTypes?.join(', ') ?? 'every type'}</dd>
        </div>
        <div>
          <dt>Last delivered</dt>
          <dd>{lastOf(true)}</dd>
        </div>
        <div>
          <dt>Last failure</dt>
          <dd>{lastOf(false)}</dd>
        </div>
        <div>
          <dt>Failing since</dt>
          <dd>
            {when(endpoint.failingSince)}
            {endpoint.failures > 0 && ` (${endpoint.failures} failures)`}
          </dd>
        </div>
        <div>
          <dt>Next attempt</dt>
          <dd>{when(endpoint.nextAttemptAt)}</dd>
        </div>
        <div>
          <dt>Delivered up to position</dt>
          <dd class="mono">{endpoint.position}</dd>
        </div>
        <div>
          <dt>Waiting ({props.slug}'s events)</dt>
          <dd>{backlog.error ? 'unknown' : (backlog.data ?? '…')}</dd>
        </div>
      </dl>
      {props.canChange && (
        <EndpointActions endpoint={endpoint} onChanged={props.onChanged} onSecret={props.onSecret} />
      )}
      <ErrorText error={attempts.error} />
      <Attempts endpoint={endpoint} attempts={attempts.data} />
    </article>
  );
}

function Attempts(props: { endpoint: WebhookEndpoint; attempts: WebhookAttempt[] | undefined }) {
  const listed = (props.attempts ?? []).slice(0, ATTEMPTS_LISTED);
  return (
    <div class="table-wrap">
      <table data-attempts aria-busy={!props.attempts}>
        <caption>Recent delivery attempts, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Event</th>
            <th scope="col">Outcome</th>
            <th scope="col">Status</th>
            <th scope="col">Latency</th>
            <th scope="col">Answer or error</th>
          </tr>
        </thead>
        <tbody>
          {listed.map((attempt) => (
            <tr
              key={attempt.id}
              data-outcome={attempt.outcome}
              class={attempt.outcome === 'delivered' ? undefined : 'failed'}
            >
              <td>
                <time dateTime={attempt.at}>{when(attempt.at)}</time>
              </td>
              <td>
                <span class="mono">{attempt.eventType}</span>
                <div class="sub">
                  position {attempt.position}
                  {attempt.attempt > 1 && `, attempt ${attempt.attempt}`}
                </div>
              </td>
              <td>{attempt.outcome}</td>
              <td class="num">{attempt.status ?? '—'}</td>
              <td class="num">{attempt.latencyMs === null ? '—' : `${attempt.latencyMs} ms`}</td>
              <td>
                {attempt.error && <p class="error">{attempt.error}</p>}
                {attempt.responseExcerpt && <pre class="excerpt short">{attempt.responseExcerpt}</pre>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.attempts?.length === 0 && <p>No delivery attempts yet.</p>}
    </div>
  );
}

function EndpointActions(props: {
  endpoint: WebhookEndpoint;
  onChanged: () => void;
  onSecret: (shown: Shown) => void;
}) {
  const { endpoint } = props;
  const [overlap, setOverlap] = useState(24);
  const [after, setAfter] = useState('');
  const [confirming, setConfirming] = useState(false);
  const action = useAction();
  const change = (work: () => Promise<unknown>) =>
    void action.run(async () => {
      await work();
      props.onChanged();
    });
  const id = `endpoint-${endpoint.id}`;
  const which = <span class="visually-hidden"> {endpoint.url}</span>;
  return (
    <div class="endpoint-actions">
      <div class="actions">
        <button
          type="button"
          disabled={action.busy}
          onClick={() =>
            change(() =>
              api.setWebhookStatus(endpoint.id, endpoint.status === 'active' ? 'disabled' : 'active'),
            )
          }
        >
          {endpoint.status === 'active' ? 'Disable' : 'Re-enable'}
          {which}
        </button>
      </div>
      <div class="actions">
        <label for={`${id}-overlap`}>Old secret keeps signing</label>
        <select
          id={`${id}-overlap`}
          value={overlap}
          onChange={(event) => setOverlap(Number(event.currentTarget.value))}
        >
          {OVERLAPS.map(([hours, label]) => (
            <option key={hours} value={hours}>
              {label}
            </option>
          ))}
        </select>
        <button
          type="button"
          disabled={action.busy}
          onClick={() =>
            change(async () =>
              props.onSecret({
                ...(await api.rotateWebhook(endpoint.id, overlap)),
                overlapHours: overlap,
                at: new Date(),
              }),
            )
          }
        >
          Rotate secret{which}
        </button>
      </div>
      <form
        class="actions"
        onSubmit={(event) => {
          event.preventDefault();
          change(async () => {
            await api.replayWebhook(endpoint.id, after);
            setAfter('');
          });
        }}
      >
        <label for={`${id}-replay`}>Deliver again every event after position</label>
        <input
          id={`${id}-replay`}
          inputMode="numeric"
          pattern="[0-9]{1,19}"
          required
          size={12}
          value={after}
          onInput={(event) => setAfter(event.currentTarget.value.trim())}
        />
        <button type="submit" disabled={action.busy}>
          Replay{which}
        </button>
      </form>
      <div class="actions">
        {confirming ? (
          <span role="group" aria-label={`Confirm deleting ${endpoint.url}`}>
            <button
              type="button"
              class="danger"
              disabled={action.busy}
              onClick={() => change(() => api.removeWebhook(endpoint.id))}
            >
              Yes, delete {endpoint.url}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </span>
        ) : (
          <button type="button" class="danger" onClick={() => setConfirming(true)}>
            Delete{which}
          </button>
        )}
      </div>
      <ErrorText error={action.error} />
    </div>
  );
}
