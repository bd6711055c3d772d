import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, FeedEvent } from '../api';
import { ErrorText, messageOf, when } from '../ui';

/** Seconds the server may hold an empty answer (the feed's longest wait, docs/CHANGE-FEED.md "Pull"). */
const WAIT_SECONDS = 30;
/** Events kept on screen, newest first. */
const SHOWN = 100;
/** After a failed read (the service restarting, a network blip), the next try waits this long. */
const RETRY_MS = 5_000;

/**
 * The tenant's change events as they arrive, like `npm run cli -- events tail`: the first read starts at the feed's
 * end (`after=end`, answered at once, so the position it follows from is known and shown), every later read
 * long-polls after the last `nextCursor`. Leaving the page (or pausing) aborts the read under way.
 */
export function LiveTail(props: { slug: string }) {
  const [events, setEvents] = useState<FeedEvent[]>([]);
  const [since, setSince] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [paused, setPaused] = useState(false);
  // Where the next read starts: kept across a pause, so resuming shows what came meanwhile.
  const cursor = useRef<string | null>(null);

  useEffect(() => {
    if (paused) return;
    const stop = new AbortController();
    const follow = async () => {
      while (!stop.signal.aborted) {
        try {
          const page = await api.events(props.slug, cursor.current ?? 'end', {
            limit: SHOWN,
            wait: cursor.current === null ? 0 : WAIT_SECONDS,
            signal: stop.signal,
          });
          if (cursor.current === null) setSince(page.nextCursor);
          cursor.current = page.nextCursor;
          setError(null);
          if (page.items.length > 0)
            setEvents((shown) => [...[...page.items].reverse(), ...shown].slice(0, SHOWN));
        } catch (failure) {
          if (stop.signal.aborted) return;
          // 410: the cursor is older than what is kept (a long pause); start again at the end.
          if (failure instanceof ApiError && failure.status === 410) cursor.current = null;
          setError(`${messageOf(failure)}; trying again shortly`);
          await new Promise((resolve) => {
            const timer = setTimeout(resolve, RETRY_MS);
            stop.signal.addEventListener('abort', () => {
              clearTimeout(timer);
              resolve(undefined);
            });
          });
        }
      }
    };
    void follow();
    return () => stop.abort();
  }, [props.slug, paused]);

  return (
    <section aria-labelledby="tail-title">
      <h2 id="tail-title">Live change events</h2>
      <div class="toolbar">
        <p role="status" class="help">
          {paused
            ? 'Paused.'
            : since === null
              ? 'Connecting…'
              : `Following events after position ${since}: ${events.length} received.`}
        </p>
        <button type="button" aria-pressed={paused} onClick={() => setPaused(!paused)}>
          {paused ? 'Resume' : 'Pause'}
        </button>
      </div>
      <ErrorText error={error} />
      <div class="table-wrap">
        <table class="tail">
          <caption class="visually-hidden">Change events, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Type</th>
              <th scope="col">Resource</th>
              <th scope="col">userName / displayName</th>
              <th scope="col">Position</th>
            </tr>
          </thead>
          <tbody>
            {events.map((event) => (
              <tr key={event.id} data-event-type={event.type} data-resource-id={event.resourceId}>
                <td>
                  <time dateTime={event.time}>{when(event.time)}</time>
                </td>
                <td class="mono">{event.type}</td>
                <td>
                  {event.resourceType} <span class="mono sub">{event.resourceId}</span>
                </td>
                <td>{event.userName ?? event.displayName ?? '—'}</td>
                <td class="num mono">{event.position}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {since !== null && events.length === 0 && <p>No events yet: changes made from now on appear here.</p>}
    </section>
  );
}
