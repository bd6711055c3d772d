// `npm start` builds only what changed: `nest build` (type check and emit, most of a minute) runs when a source or
// build setting is newer than the last build, or there is no build; otherwise the start goes straight to node.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const ENTRY = join(ROOT, 'dist', 'src', 'main.js');
const INPUTS = [
  'src',
  'console',
  'migrations',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'nest-cli.json',
];

/** The newest modification time under a file or folder, in ms (0 when it does not exist). */
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Why a build is needed, or null when dist/ is newer than every input. */
function staleness(): string | null {
  if (!existsSync(ENTRY)) return 'no build yet';
  // nest build empties dist/ and writes every file, so the entry point's time is the time of the last build.
  const built = statSync(ENTRY).mtimeMs;
  const changed = INPUTS.filter((input) => newest(join(ROOT, input)) > built);
  return changed.length > 0 ? `changed since the last build: ${changed.join(', ')}` : null;
}

const reason = staleness();
if (reason === null) {
  process.stdout.write('Build is up to date (dist/ is newer than every source).\n');
} else {
  process.stdout.write(`Building (${reason})…\n`);
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
