// Debian's chromium through playwright-core, for the console's browser test and the bench's page timings.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Browser, chromium } from 'playwright-core';

/** CHROMIUM_PATH, else `chromium` on the PATH; null when there is no such file. */
export function chromiumPath(): string | null {
  let path = process.env.CHROMIUM_PATH;
  try {
    path ??= execSync('command -v chromium', { encoding: 'utf8' }).trim();
  } catch {
    return null; // not on the PATH
  }
  return path && existsSync(path) ? path : null;
}

/** Headless, without the sandbox (containers) and without the background traffic a desktop browser makes. */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}
