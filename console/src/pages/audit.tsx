import { useEffect, useState } from 'preact/hooks';
import { api, AuditEvent } from '../api';
import { navigate, paths } from '../router';
import { ErrorText, PageTitle, useAction, when } from '../ui';
import { TenantNav } from './tenant-nav';

const FILTERS: [string, string][] = [
  ['action', 'Action (e.g. user.create)'],
  ['resourceType', 'Resource type (User, Group, …)'],
  ['resourceId', 'Resource id'],
  ['resourceName', 'userName or displayName'],
  ['requestId', 'Request id'],
];

/** Newest first, a page at a time; the filters are in the address, so a link opens the same search. */
export function AuditPage(props: { slug: string; query: URLSearchParams }) {
  const filters = Object.fromEntries(
    [...FILTERS.map(([key]) => key), 'outcome'].map((key) => [key, props.query.get(key) ?? '']),
  );
  const [draft, setDraft] = useState<Record<string, string>>(filters);
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const action = useAction();
  const load = (before?: string) =>
    action.run(async () => {
      const page = await api.audit(props.slug, { ...filters, cursor: before, limit: '50' });
      setEvents((shown) => (before ? [...shown, ...page.items] : page.items));
      setCursor(page.nextCursor);
    });
  useEffect(() => {
    void load();
  }, [props.query.toString()]);
  return (
    <>
      <PageTitle>Audit trail: {props.slug}</PageTitle>
      <TenantNav slug={props.slug} current="audit" />
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          const chosen = Object.fromEntries(Object.entries(draft).filter(([, value]) => value.trim()));
          navigate(paths.audit(props.slug, chosen));
        }}
      >
        {FILTERS.map(([key, label]) => (
          <div key={key}>
            <label for={`filter-${key}`}>{label}</label>
            <input
              id={`filter-${key}`}
              value={draft[key]}
              onInput={(event) => setDraft({ ...draft, [key]: event.currentTarget.value })}
            />
          </div>
        ))}
        <div>
          <label for="filter-outcome">Outcome</label>
          <select
            id="filter-outcome"
            value={draft.outcome}
            onChange={(event) => setDraft({ ...draft, outcome: event.currentTarget.value })}
          >
            <option value="">any</option>
            <option value="success">success</option>
            <option value="failure">failure</option>
          </select>
        </div>
        <button type="submit" class="primary">
          Search
        </button>
      </form>
      <ErrorText error={action.error} />
      <div class="table-wrap">
        <table aria-busy={action.busy}>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Action</th>
              <th scope="col">Resource</th>
              <th scope="col">Name</th>
              <th scope="col">Outcome</th>
              <th scope="col">Request id</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {events.map((event) => (
              <EventRows
                key={event.seq}
                event={event}
                open={open === event.seq}
                toggle={() => setOpen(open === event.seq ? null : event.seq)}
              />
            ))}
          </tbody>
        </table>
      </div>
      {!action.busy && events.length === 0 && <p>No events match.</p>}
      {cursor && (
        <button type="button" disabled={action.busy} onClick={() => void load(cursor)}>
          Older events
        </button>
      )}
    </>
  );
}

function EventRows(props: { event: AuditEvent; open: boolean; toggle: () => void }) {
  const { event } = props;
  const detailsId = `event-${event.seq}`;
  return (
    <>
      <tr data-action={event.action} class={event.outcome === 'failure' ? 'failed' : undefined}>
        <td>
          <time dateTime={event.occurredAt}>{when(event.occurredAt)}</time>
        </td>
        <td class="mono">{event.action}</td>
        <td>
          {event.resourceType} <span class="mono sub">{event.resourceId}</span>
        </td>
        <td>{event.resourceName ?? '—'}</td>
        <td>
          {event.outcome}
          {event.status ? ` (${event.status}${event.scimType ? ` ${event.scimType}` : ''})` : ''}
        </td>
        <td class="mono">{event.requestId ?? '—'}</td>
        <td>
          <button type="button" aria-expanded={props.open} aria-controls={detailsId} onClick={props.toggle}>
            {props.open ? 'Close' : 'Open'}
            <span class="visually-hidden"> event {event.seq}</span>
          </button>
        </td>
      </tr>
      {props.open && (
        <tr id={detailsId} class="details">
          <td colSpan={7}>
            <EventDetails event={event} />
          </td>
        </tr>
      )}
    </>
  );
}

const show = (value: unknown) =>
  value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value, null, 2);

/** Changes before and after, side by side; a failed request's redacted excerpt. */
function EventDetails(props: { event: AuditEvent }) {
  const { event } = props;
  const attributes = Object.entries(event.changes?.attributes ?? {});
  return (
    <div class="event-details">
      <p>
        By {event.actorType} {event.actorName ?? ''} · seq {event.seq}
      </p>
      {attributes.length > 0 && (
        <table class="diff">
          <caption>Changed attributes</caption>
          <thead>
            <tr>
              <th scope="col">Attribute</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {attributes.map(([name, change]) => (
              <tr key={name}>
                <th scope="row" class="mono">
                  {name}
                </th>
                <td>
                  <pre>{show(change.old)}</pre>
                </td>
                <td>
                  <pre>{show(change.new)}</pre>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {event.changes?.members && <pre>Members: {JSON.stringify(event.changes.members, null, 2)}</pre>}
      {event.changes?.other && <pre>{JSON.stringify(event.changes.other, null, 2)}</pre>}
      {event.request && (
        <>
          <p>
            <span class="mono">
              {event.request.method} {event.request.path}
            </span>
            : {event.request.detail}
          </p>
          {event.request.body && <pre class="excerpt">{event.request.body}</pre>}
        </>
      )}
    </div>
  );
}
