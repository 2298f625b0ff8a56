// Makes sure the Debian packages the tests and the demo need are present: ffmpeg (H.264/Opus for the
// storage-session cameras), openssl (kvs-local --tls) and, from the wall issue on, chromium. On a fresh
// Debian machine run as root it installs them with apt-get; otherwise it says exactly what to install.
import { spawnSync } from 'node:child_process';

const wanted = { ffmpeg: 'ffmpeg', openssl: 'openssl', chromium: 'chromium' };
const missing = Object.entries(wanted)
  .filter(([bin]) => spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0)
  .map(([, pkg]) => pkg);
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get']).status === 0;
if (!isRoot || !hasApt) {
  console.error(
    `Watchfloor needs these system packages: ${missing.join(', ')}.\n` +
      `Install them (Debian/Ubuntu: sudo apt-get install -y ${missing.join(' ')}) and run the command again.`,
  );
  process.exit(1);
}
console.error(`Installing system packages: ${missing.join(', ')} (apt-get)…`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [
  ['update', '-qq'],
  ['install', '-y', '-qq', ...missing],
]) {
  const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`apt-get ${args[0]} failed (exit ${r.status}); install ${missing.join(' ')} by hand.`);
    process.exit(1);
  }
}
