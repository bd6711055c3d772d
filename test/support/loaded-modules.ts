// Preloaded (node -r) into a service a test starts: when the process exits, it writes the files it had loaded
// (require.cache) to TEST_LOADED_MODULES_FILE, so the test can tell which packages a configuration loads.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const file = process.env.TEST_LOADED_MODULES_FILE;
  if (file) writeFileSync(file, JSON.stringify(Object.keys(require.cache)));
});
