import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/**
 * Reads `.env` from the working directory into the environment, for the service and the CLI alike (`.env.example`
 * says to copy it there), before anything reads the configuration. Variables already set in the environment win:
 * a deployment's own environment is never overridden by a file left in the folder. Node's own parser (≥ 20.12).
 */
export function loadDotEnv(path = '.env', env: NodeJS.ProcessEnv = process.env): boolean {
  if (!existsSync(path)) return false;
  for (const [name, value] of Object.entries(parseEnv(readFileSync(path, 'utf8'))))
    if (env[name] === undefined) env[name] = value;
  return true;
}
