// `npm run start:browser`: the console in a visible Chromium window on the local demo (kvs-local + the main
// core in this Node process). The launcher is TypeScript (it imports the core and kvs-local), so tsx's
// loader is registered first. Options: --cameras N, --headless, --temporary, --no-build.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./browserShell/launch.ts');
try {
  await main(process.argv.slice(2));
} catch (err) {
  console.error(`watchfloor: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
