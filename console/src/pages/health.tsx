import { api, AuditEvent, Health } from '../api';
import { Link, paths } from '../router';
import { ErrorText, PageTitle, useLoad, when } from '../ui';
import { TenantNav } from './tenant-nav';

export function HealthPage(props: { slug: string }) {
  const health = useLoad(() => api.health(props.slug), [props.slug]);
  return (
    <>
      <PageTitle>Provisioning health: {props.slug}</PageTitle>
      <TenantNav slug={props.slug} current="health" />
      <ErrorText error={health.error} />
      {health.data && <Chart hours={health.data.hours} />}
      <section aria-labelledby="failures-title">
        <h2 id="failures-title">Latest failures</h2>
        {health.data?.latestFailures.length === 0 && <p>No failed requests are on record.</p>}
        <ol class="failures">
          {(health.data?.latestFailures ?? []).map((event) => (
            <Failure key={event.seq} slug={props.slug} event={event} />
          ))}
        </ol>
      </section>
    </>
  );
}

const W = 5;
const H = 160;

/** Requests (audited events) and failures per hour as plain SVG; the summary beside it says the same in words. */
function Chart(props: { hours: Health['hours'] }) {
  const max = Math.max(1, ...props.hours.map((h) => h.events));
  const events = props.hours.reduce((sum, h) => sum + h.events, 0);
  const failures = props.hours.reduce((sum, h) => sum + h.failures, 0);
  const y = (n: number) => H - (n / max) * H;
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${props.hours.length * W} ${H + 20}`}
        role="img"
        aria-labelledby="chart-title chart-desc"
        preserveAspectRatio="none"
      >
        <title id="chart-title">Requests and failures per hour, last 7 days</title>
        <desc id="chart-desc">
          {events} audited requests and {failures} failures; the busiest hour had {max}.
        </desc>
        <line x1="0" y1={H} x2={props.hours.length * W} y2={H} class="axis" />
        {props.hours.map((hour, i) => (
          <g key={hour.hour}>
            {hour.events > 0 && (
              <rect x={i * W} y={y(hour.events)} width={W - 1} height={H - y(hour.events)} class="bar-events">
                <title>
                  {new Date(hour.hour).toLocaleString()}: {hour.events} requests, {hour.failures} failures
                </title>
              </rect>
            )}
            {hour.failures > 0 && (
              <rect
                x={i * W}
                y={y(hour.failures)}
                width={W - 1}
                height={H - y(hour.failures)}
                class="bar-failures"
              />
            )}
            {i % 24 === 0 && (
              <text x={i * W} y={H + 16} class="tick">
                {new Date(hour.hour).toLocaleDateString(undefined, { month: 'short', day: 'numeric' })}
              </text>
            )}
          </g>
        ))}
      </svg>
      <figcaption>
        <span class="key key-events" aria-hidden="true" /> requests ({events}){' '}
        <span class="key key-failures" aria-hidden="true" /> failures ({failures}) — per hour, last 7 days
        (UTC hours)
      </figcaption>
    </figure>
  );
}

function Failure(props: { slug: string; event: AuditEvent }) {
  const { event } = props;
  const target =
    event.resourceType && event.resourceId
      ? paths.audit(props.slug, { resourceType: event.resourceType, resourceId: event.resourceId })
      : paths.audit(props.slug, { requestId: event.requestId ?? '' });
  return (
    <li class="failure" data-seq={event.seq}>
      <div class="row">
        <strong>
          {event.status} {event.scimType ?? ''}
        </strong>
        <span class="mono">
          {event.request?.method} {event.request?.path}
        </span>
        <time dateTime={event.occurredAt}>{when(event.occurredAt)}</time>
      </div>
      <p>{event.request?.detail}</p>
      {event.request?.body && <pre class="excerpt">{event.request.body}</pre>}
      <Link href={target}>
        {event.resourceId
          ? `History of ${event.resourceType} ${event.resourceName ?? event.resourceId}`
          : `Events of request ${event.requestId ?? ''}`}
      </Link>
    </li>
  );
}
