import type { Res } from '../../src-shared/ipc/contract';

/** A stream media storage can record into, as `storage:listStreams` lists it. */
export type StreamInfo = Res<'storage:createStream'>;

/** The picker's value for "Other stream (paste its ARN)…" (never a stream ARN, which starts with arn:). */
export const OTHER = 'other';

export const DEFAULT_RETENTION_HOURS = 168;
export const MAX_RETENTION_HOURS = 87_600;

// CreateStream's StreamName pattern (src-shared/ipc/schemas.ts `streamName`).
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,256}$/;
const NAME_MAX = 256;

/**
 * Whether the channel can record into the stream. A stream that another channel records into is refused
 * by UpdateMediaStorageConfiguration (ResourceInUse); the catalog naming this channel itself is only stale
 * (its storage is off, or the panel would not offer a stream), so that one stays usable.
 */
export function usable(stream: StreamInfo, channelName: string): boolean {
  return stream.usedBy === null || stream.usedBy === channelName;
}

/** "24 h", "87,600 h". */
export function retentionText(hours: number): string {
  return `${hours.toLocaleString('en-US')} h`;
}

/** How an option reads: "camera-1 · 24 h", or "… · recording camera-2" for a stream that is taken. */
export function streamLabel(stream: StreamInfo, channelName: string): string {
  const label = `${stream.name} · ${retentionText(stream.retentionHours)}`;
  return usable(stream, channelName) ? label : `${label} · recording ${stream.usedBy}`;
}

/**
 * The option to preselect: the stream the channel recorded into last when it is listed and free, else
 * the first free one. OTHER (the pasted ARN) when nothing is free, or when the last stream is not listed
 * because the list was cut short: it may well exist beyond the first 1,000.
 */
export function preselect(
  listed: { streams: readonly StreamInfo[]; truncated: boolean },
  preferredArn: string | null,
  channelName: string,
): string {
  const preferred = preferredArn ? listed.streams.find((s) => s.arn === preferredArn) : undefined;
  if (preferred && usable(preferred, channelName)) return preferred.arn;
  if (preferredArn && !preferred && listed.truncated) return OTHER;
  return listed.streams.find((s) => usable(s, channelName))?.arn ?? OTHER;
}

/** The list with `stream` in its place by name (replacing a stream with the same ARN). */
export function withStream(streams: readonly StreamInfo[], stream: StreamInfo): StreamInfo[] {
  const rest = streams.filter((s) => s.arn !== stream.arn);
  const at = rest.findIndex((s) => s.name > stream.name);
  return at === -1 ? [...rest, stream] : [...rest.slice(0, at), stream, ...rest.slice(at)];
}

export function streamNames(streams: readonly StreamInfo[]): ReadonlySet<string> {
  return new Set(streams.map((s) => s.name));
}

/**
 * The name offered for a new stream: `<channel>-rec`, kept to CreateStream's pattern and length, and
 * numbered (`-rec-2`, …) past the names already listed, so that the default can be created as it is.
 */
export function defaultStreamName(channelName: string, taken: ReadonlySet<string> = new Set()): string {
  const base = channelName.replace(/[^a-zA-Z0-9_.-]/g, '-') || 'stream';
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? '-rec' : `-rec-${n}`;
    const name = base.slice(0, NAME_MAX - suffix.length) + suffix;
    if (!taken.has(name)) return name;
  }
}

/** Why a new stream cannot have this name, or null. */
export function streamNameProblem(name: string, taken: ReadonlySet<string> = new Set()): string | null {
  const trimmed = name.trim();
  if (!trimmed) return 'Enter a name for the new stream.';
  if (!STREAM_NAME.test(trimmed))
    return 'A stream name is 1 to 256 letters, digits, hyphens (-), underscores (_) and dots (.), without spaces.';
  if (taken.has(trimmed)) return `A stream named ${trimmed} already exists: pick it from the list.`;
  return null;
}

/** Why this retention (hours, as typed) cannot be used, or null. */
export function retentionProblem(hours: string): string | null {
  const text = hours.trim();
  const max = MAX_RETENTION_HOURS.toLocaleString('en-US');
  if (!text) return `Enter the retention in hours, from 1 to ${max} (10 years).`;
  if (!/^\d+$/.test(text)) return `Retention is a whole number of hours, from 1 to ${max} (10 years).`;
  const n = Number(text);
  if (n < 1 || n > MAX_RETENTION_HOURS) return `Retention must be from 1 to ${max} hours (10 years).`;
  return null;
}

/** A retention in words, so that "8760" reads as a year: "7 days", "≈ 4.2 days", "10 years". */
export function retentionSpan(hours: number): string {
  const words = (n: number, unit: string): string => {
    const shown = Number.isInteger(n) ? String(n) : `≈ ${n.toFixed(1)}`;
    return `${shown} ${unit}${n === 1 ? '' : 's'}`;
  };
  if (hours < 24) return words(hours, 'hour');
  const days = hours / 24;
  return days < 365 ? words(days, 'day') : words(days / 365, 'year');
}
