import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and key for `--tls`, made fresh at every start (never written to the repo or the state dir). */
export interface TlsMaterial {
  cert: string;
  key: string;
}

/**
 * Generates a self-signed P-256 certificate for 127.0.0.1, ::1 and localhost with the system openssl.
 * Clients trust it by passing `cert` as their CA (the CLI prints where it is; tests pass it directly).
 */
export function generateSelfSignedCert(): TlsMaterial {
  const dir = mkdtempSync(join(tmpdir(), 'kvs-local-tls-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '7',
        '-subj',
        '/CN=kvs-local',
        '-addext',
        'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
