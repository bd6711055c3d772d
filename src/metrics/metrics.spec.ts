import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Env } from '../config/env';
import { Metrics } from './metrics';

const registered = (env: Partial<Env>) =>
  new Metrics(Object.assign(new Env(), env)).registry.getMetricsAsArray().map((metric) => metric.name);

describe('Metrics', () => {
  it('registers every metric the Grafana dashboard (docs/grafana-dashboard.json) queries', () => {
    const dashboard = readFileSync(join(__dirname, '..', '..', 'docs', 'grafana-dashboard.json'), 'utf8');
    const queried = new Set(
      [...dashboard.matchAll(/\b((?:scim|process|nodejs)_[a-z0-9_]+)/g)].map(([, name]) =>
        name.replace(/_(bucket|count|sum)$/, ''),
      ),
    );
    expect(queried.size).toBeGreaterThan(10);
    const names = registered({ DATABASE_URL: 'postgres://db/scim' });
    expect([...queried].filter((name) => !names.includes(name))).toEqual([]);
  });

  it('has no pool gauges on the embedded database, which has no pool', () => {
    expect(registered({}).filter((name) => name.startsWith('scim_db_pool_'))).toEqual([]);
    expect(registered({ DATABASE_URL: 'postgres://db/scim' })).toContain('scim_db_pool_waiting_requests');
  });
});
