import type { Logger } from '../core/types';

/**
 * Main-process log lines on stderr as JSON. Callers never pass secrets; as a second line of defence any
 * field whose name looks like a credential is dropped before it is written.
 */
const SECRET_FIELD = /secret|token|password|credential|authorization|signature/i;

function line(level: string, message: string, fields?: Record<string, unknown>): void {
  const safe: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields ?? {})) safe[k] = SECRET_FIELD.test(k) ? '[redacted]' : v;
  process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), level, message, ...safe })}\n`);
}

export const stderrLogger: Logger = {
  info: (m, f) => line('info', m, f),
  warn: (m, f) => line('warn', m, f),
  error: (m, f) => line('error', m, f),
};
