/**
 * Secret-leak detection for the security and fuzz tests: how a secret can show up in text (as is,
 * URL-encoded, JSON-escaped, base64, or a fragment of it), a logger that keeps every line, calls from any
 * sender, and the transcript audit that allows the session token and the access key id in exactly one
 * place — the credential parameters of a `kvs:signConnectUrl` reply's URL.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import type { Logger } from '../../src-main/core/types';
import type { Sender } from '../../src-main/core/ipc';
import type { IpcResult } from '../../src-shared/ipc/errors';
import type { TestCore } from './core';

/** A value that must not leak, with a label to report instead of the value. */
export interface Secret {
  label: string;
  value: string;
}

/** Shortest fragment of a secret that counts as a leak (a 40-char secret has 25 such windows). */
export const FRAGMENT = 16;

/** The ways `value` may be written: as is, URL/form-encoded, JSON-escaped (once and twice), base64, hex. */
export function encodings(value: string): string[] {
  const forms = new Set<string>([
    value,
    encodeURIComponent(value),
    new URLSearchParams({ x: value }).toString().slice(2),
    JSON.stringify(value).slice(1, -1),
    JSON.stringify(JSON.stringify(value)).slice(3, -3),
    Buffer.from(value, 'utf8').toString('base64').replace(/=+$/, ''),
    Buffer.from(value, 'utf8').toString('base64url'),
    Buffer.from(value, 'utf8').toString('hex'),
  ]);
  return [...forms].filter((f) => f.length >= Math.min(FRAGMENT, value.length));
}

/** Every FRAGMENT-long window of the value, raw and URL-encoded. */
function fragments(value: string): string[] {
  const out = new Set<string>();
  for (let i = 0; i + FRAGMENT <= value.length; i++) {
    const w = value.slice(i, i + FRAGMENT);
    out.add(w);
    out.add(encodeURIComponent(w));
  }
  return [...out];
}

const needleCache = new Map<string, string[]>();

function needles(value: string): string[] {
  let n = needleCache.get(value);
  if (!n) {
    n = [...new Set([...encodings(value), ...fragments(value)])];
    needleCache.set(value, n);
  }
  return n;
}

/** Which secrets (labels) appear in `text` in any encoding or as a fragment. */
export function leaksIn(text: string, secrets: readonly Secret[]): string[] {
  const found: string[] = [];
  for (const s of secrets) if (needles(s.value).some((n) => text.includes(n))) found.push(s.label);
  return found;
}

/** Like `leaksIn` for bytes (database files): UTF-8 needles plus the raw value in UTF-16LE. */
export function leaksInBytes(bytes: Buffer, secrets: readonly Secret[]): string[] {
  const found: string[] = [];
  for (const s of secrets) {
    const hit =
      needles(s.value).some((n) => bytes.includes(Buffer.from(n, 'utf8'))) ||
      bytes.includes(Buffer.from(s.value, 'utf16le'));
    if (hit) found.push(s.label);
  }
  return found;
}

/** Every regular file under `dir` (the core's data directory: catalog, WAL, install id). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...filesUnder(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

/** Leaks in the files under `dir`, as `file: label` strings. */
export function leaksInFiles(dir: string, secrets: readonly Secret[]): string[] {
  return filesUnder(dir).flatMap((f) => leaksInBytes(readFileSync(f), secrets).map((l) => `${f}: ${l}`));
}

/** A Logger that keeps every line as text, fields fully expanded (errors, nested objects), unredacted. */
export function capturingLogger(echo = Boolean(process.env.WATCHFLOOR_LOG)): {
  log: Logger;
  lines: string[];
} {
  const lines: string[] = [];
  const at =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      const text = `${level} ${message} ${inspect(fields ?? {}, { depth: 10, breakLength: Infinity, maxStringLength: null, maxArrayLength: null })}`;
      lines.push(text);
      if (echo) console.log(text);
    };
  return { log: { info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

/** Calls the router from any sender with any payload (the renderer's `call` always uses the app frame). */
export async function callAs(
  t: TestCore,
  sender: Sender,
  channel: string,
  payload: unknown,
): Promise<IpcResult<unknown>> {
  const reply = await t.core.router.handle(channel, sender, payload);
  t.transcript.push(JSON.stringify({ channel, reply }));
  return reply;
}

/** What the transcript audit found. */
export interface TranscriptAudit {
  /** `line N (channel): label` for every place a secret appears where it must not. */
  problems: string[];
  /** Signed URLs seen, and how many of them carried a known session token / access key id. */
  signedUrls: number;
  withToken: number;
  withKeyId: number;
}

export interface TranscriptSecrets {
  /** Must appear nowhere: secret access keys (kvs-local's, typed ones), typed key ids and tokens. */
  never: readonly Secret[];
  /** Session tokens: only as the X-Amz-Security-Token of a signed connect URL. */
  tokens: readonly Secret[];
  /** Access key ids: only as the first part of the X-Amz-Credential of a signed connect URL. */
  keyIds: readonly Secret[];
}

/** The replies that carry a presigned connect URL (viewer tiles, and the station publishing as master). */
const SIGNING_CHANNELS: ReadonlySet<string> = new Set(['kvs:signConnectUrl', 'kvs:signMasterUrl']);

const CREDENTIAL_SCOPE = /^([A-Z0-9]+)\/\d{8}\/[a-z0-9-]+\/kinesisvideo\/aws4_request$/;

/**
 * Audits every serialized reply and event. The session token and the access key id are allowed only in
 * the `url` of a successful `kvs:signConnectUrl` / `kvs:signMasterUrl` reply, and there only as `X-Amz-Security-Token` and the
 * key-id part of `X-Amz-Credential`; the rest of that line (the URL without those two parameters) is
 * searched like any other line.
 */
export function auditTranscript(lines: readonly string[], s: TranscriptSecrets): TranscriptAudit {
  const out: TranscriptAudit = { problems: [], signedUrls: 0, withToken: 0, withKeyId: 0 };
  const limited = [...s.tokens, ...s.keyIds];
  lines.forEach((line, i) => {
    let parsed: { channel?: string; event?: string; reply?: IpcResult<unknown> };
    try {
      parsed = JSON.parse(line) as typeof parsed;
    } catch {
      out.problems.push(`line ${i}: not JSON`);
      return;
    }
    const where = `line ${i} (${parsed.channel ?? parsed.event ?? '?'})`;
    for (const label of leaksIn(line, s.never)) out.problems.push(`${where}: ${label}`);
    let rest = line;
    const reply = parsed.reply;
    if (SIGNING_CHANNELS.has(parsed.channel ?? '') && reply?.ok) {
      const url = (reply.value as { url?: unknown }).url;
      if (typeof url !== 'string') {
        out.problems.push(`${where}: a signConnectUrl reply without a url`);
        return;
      }
      if (JSON.stringify({ channel: parsed.channel, reply: { ok: true, value: { url } } }) !== line) {
        out.problems.push(`${where}: a signConnectUrl reply with more than {url}`);
      }
      out.signedUrls += 1;
      const u = new URL(url);
      const token = u.searchParams.getAll('X-Amz-Security-Token');
      const credential = u.searchParams.getAll('X-Amz-Credential');
      if (token.length === 1 && s.tokens.some((t) => t.value === token[0])) out.withToken += 1;
      else if (token.length > 0)
        out.problems.push(`${where}: an X-Amz-Security-Token that is not a known one`);
      const keyId = credential.length === 1 ? CREDENTIAL_SCOPE.exec(credential[0]!)?.[1] : undefined;
      if (keyId !== undefined && s.keyIds.some((k) => k.value === keyId)) out.withKeyId += 1;
      else out.problems.push(`${where}: X-Amz-Credential is not <known key id>/<scope>`);
      u.searchParams.delete('X-Amz-Security-Token');
      u.searchParams.delete('X-Amz-Credential');
      rest = JSON.stringify({ channel: parsed.channel, reply: { ok: true, value: { url: u.toString() } } });
    }
    for (const label of leaksIn(rest, limited)) out.problems.push(`${where}: ${label}`);
  });
  return out;
}
