// Docker is not run in CI (no daemon there): these checks read the Dockerfile, compose.yml and .dockerignore and
// make sure what they name exists and what must stay out of the image does (README "Docker").
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const packageJson = JSON.parse(read('package.json')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};

/** Docker's .dockerignore rules, for the plain patterns the file uses: a path, `*.ext`, `name.*`, `!exception`. */
function dockerIgnores(path: string, rules: string[]): boolean {
  const matches = (pattern: string) => {
    const regex = new RegExp(
      `^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/.*)?$`,
    );
    return regex.test(path);
  };
  let ignored = false;
  for (const rule of rules)
    if (rule.startsWith('!')) ignored = matches(rule.slice(1)) ? false : ignored;
    else ignored = matches(rule) || ignored;
  return ignored;
}

/** The `dist/src/x.js` a command runs, as the source `src/x.ts` it is built from. */
const sourceOf = (built: string) => built.replace(/^dist\//, '').replace(/\.js$/, '.ts');

describe('Docker files (static checks)', () => {
  const dockerfile = read('docker/Dockerfile');
  const rules = read('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(/\s+/));
  const compose = parse(read('docker/compose.yml')) as {
    services: Record<
      string,
      { build?: { context: string; dockerfile: string }; command?: string[]; volumes?: string[] }
    >;
  };

  it('keeps dependencies, build output, reports, data, secrets and git out of the build context', () => {
    for (const path of [
      'node_modules',
      'node_modules/pg/package.json',
      'dist/src/main.js',
      'reports/e2e.json',
      'coverage',
      'data/pglite',
      '.git',
      '.env',
      '.env.production',
      'bench/results/run.json',
      'tsconfig.tsbuildinfo',
    ])
      expect([path, dockerIgnores(path, rules)]).toEqual([path, true]);
    expect(dockerIgnores('.env.example', rules)).toBe(false);
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    expect(copied).toEqual(
      expect.arrayContaining(['package.json', 'package-lock.json', 'src', 'migrations', 'nest-cli.json']),
    );
    for (const path of copied) {
      expect([path, existsSync(join(ROOT, path))]).toEqual([path, true]);
      expect([path, dockerIgnores(path, rules)]).toEqual([path, false]);
    }
  });

  it('builds on a maintained Node LTS image in stages and runs as an unprivileged user', () => {
    const images = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(images.length).toBeGreaterThanOrEqual(2);
    for (const image of images) expect(image).toMatch(/^node:(20|22)-bookworm-slim$/);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/npm run build && npm prune --omit=dev/);
    expect(packageJson.scripts.build).toBeDefined();
    const users = [...dockerfile.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
    expect(users.at(-1)).toBe('node');
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? '[]') as string[];
    expect(cmd[0]).toBe('node');
    expect(existsSync(join(ROOT, sourceOf(cmd[1])))).toBe(true);
  });

  it('compose builds this Dockerfile, migrates with a built file and mounts files that exist', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.build) {
        const context = join(ROOT, 'docker', service.build.context);
        expect([name, existsSync(join(context, service.build.dockerfile))]).toEqual([name, true]);
      }
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0];
        if (source.startsWith('.'))
          expect([volume, existsSync(join(ROOT, 'docker', source))]).toEqual([volume, true]);
      }
    }
    const migrate = compose.services.migrate.command ?? [];
    expect(migrate.slice(0, 2)).toEqual(['node', 'node_modules/typeorm/cli.js']);
    // typeorm must survive `npm prune --omit=dev`.
    expect(packageJson.dependencies.typeorm).toBeDefined();
    expect(existsSync(join(ROOT, migrate[1]))).toBe(true);
    const dataSource = migrate[migrate.indexOf('-d') + 1];
    expect(existsSync(join(ROOT, sourceOf(dataSource)))).toBe(true);
  });

  it('the README shows how to get a first tenant and token from compose, with commands the CLI has', () => {
    const readme = read('README.md');
    const commands = [
      ...readme.matchAll(/docker compose -f docker\/compose\.yml exec app npm run cli -- (\w[\w-]*) (\w+)/g),
    ];
    expect(commands.map((m) => `${m[1]} ${m[2]}`)).toEqual(
      expect.arrayContaining(['tenant create', 'token issue']),
    );
    expect(packageJson.scripts.cli).toBe('node dist/src/cli/main.js');
    const cli = read('src/cli/main.ts');
    expect(cli).toMatch(/command\('create <slug>'\)/);
    expect(cli).toMatch(/command\('issue <slug>'\)/);
  });
});
