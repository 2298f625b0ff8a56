/**
 * A deterministic synthetic camera fleet and the search-as-you-type query mix typed against it (`core`
 * bench). Names follow how operators name cameras — `<site>-b<building>-floor-<n>-<area>-<seq>` indoors,
 * `<site>-outdoor-<area>-<seq>` outside — and every channel carries site/floor/zone/model tags (some an
 * owner), so the FTS index sees the same token distribution a real 100k-camera account would give it:
 * a few very common tokens (floor, site keys, zone values), mid-frequency ones (areas, sites, models) and
 * unique ones (full names).
 */
import type { ChannelStatus } from '../../src-main/core/catalog';
import type { SearchQuery } from '../../src-main/core/catalog';

/** mulberry32: a small, fast, seeded PRNG (deterministic runs, comparable before/after). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)]!;
}

export const SITES = [
  'amsterdam', 'antwerp', 'athens', 'austin', 'berlin', 'bilbao', 'boston', 'bremen', 'brno', 'calgary',
  'cardiff', 'chicago', 'cork', 'dallas', 'denver', 'dublin', 'essen', 'frankfurt', 'geneva', 'genoa',
  'glasgow', 'hamburg', 'helsinki', 'houston', 'krakow', 'leeds', 'leipzig', 'lisbon', 'lyon', 'madrid',
  'malmo', 'milan', 'munich', 'nantes', 'oslo', 'porto', 'prague', 'riga', 'rotterdam', 'seattle',
  'sevilla', 'stockholm', 'tallinn', 'toronto', 'turin', 'utrecht', 'valencia', 'vienna', 'vilnius', 'zurich',
] as const; // prettier-ignore

export const INDOOR_AREAS = [
  'front-door', 'back-door', 'lobby', 'reception', 'corridor', 'stairwell', 'elevator', 'server-room',
  'office', 'warehouse', 'loading-dock', 'kitchen', 'meeting-room', 'storage', 'lab',
] as const; // prettier-ignore

export const OUTDOOR_AREAS = ['gate', 'parking', 'perimeter', 'fence', 'yard', 'entrance'] as const;

const ZONES = ['public', 'staff', 'restricted', 'secure'] as const;
const MODELS = [
  'axis-p3245',
  'axis-q6135',
  'hikvision-ds2cd',
  'bosch-flexidome',
  'hanwha-xnv',
  'reolink-rlc',
];
const OWNERS = ['facilities', 'security', 'logistics', 'it-ops'] as const;

/** Regions the 100k fleet is spread over (not kvs-local's us-west-2: the sync phase owns that region). */
export const FLEET_REGIONS = [
  { region: 'us-east-1', share: 0.4 },
  { region: 'eu-west-1', share: 0.3 },
  { region: 'eu-central-1', share: 0.2 },
  { region: 'ap-southeast-2', share: 0.1 },
] as const;

export interface FleetChannel {
  name: string;
  tags: Record<string, string>;
  status: ChannelStatus;
  /** ENABLED for ~20%, UNKNOWN (describe failed) for ~2%. */
  storage: 'ENABLED' | 'DISABLED' | 'UNKNOWN';
}

/** `count` channels, the same ones for the same seed; names are unique. */
export function makeFleet(count: number, seed = 1): FleetChannel[] {
  const rnd = prng(seed);
  const perSite = new Map<string, number>();
  const out: FleetChannel[] = [];
  for (let i = 0; i < count; i++) {
    const site = SITES[i % SITES.length]!;
    const seq = (perSite.get(site) ?? 0) + 1;
    perSite.set(site, seq);
    const n = String(seq).padStart(4, '0');
    const indoor = rnd() < 0.85;
    const floor = Math.floor(rnd() * 10);
    const area = indoor ? pick(rnd, INDOOR_AREAS) : pick(rnd, OUTDOOR_AREAS);
    const name = indoor
      ? `${site}-b${1 + Math.floor(rnd() * 4)}-floor-${floor}-${area}-${n}`
      : `${site}-outdoor-${area}-${n}`;
    const tags: Record<string, string> = {
      site,
      zone: pick(rnd, ZONES),
      model: pick(rnd, MODELS),
      ...(indoor ? { floor: String(floor) } : {}),
      ...(rnd() < 0.3 ? { owner: pick(rnd, OWNERS) } : {}),
    };
    const s = rnd();
    const status: ChannelStatus =
      s < 0.97 ? 'ACTIVE' : s < 0.98 ? 'CREATING' : s < 0.99 ? 'UPDATING' : 'DELETING';
    const t = rnd();
    out.push({ name, tags, status, storage: t < 0.2 ? 'ENABLED' : t < 0.98 ? 'DISABLED' : 'UNKNOWN' });
  }
  return out;
}

/** The kinds of query in the mix; see QUERY_MIX for the weights and why. */
export type QueryKind = 'prefix' | 'one-char' | 'full-name' | 'two-word' | 'tag-value';

/**
 * What an operator types into the search box, by share of keystrokes that reach the catalog:
 * - prefix 35%: 2–4 characters of a site, area, model or owner word (`fr`, `fro`, `lobb`, `rott`) —
 *   every word typed passes through these, and short ones are broad (`st`: staff, storage, stairwell…);
 * - one-char 5%: the first keystroke (`f`, `s`, `3`) — matches (nearly) everything;
 * - full-name 20%: a whole channel name, pasted or typed out — one match;
 * - two-word 25%: `front door`, `floor 3`, `berlin lobby`, `loading dock`, `b2 kitchen` — broad to narrow;
 * - tag-value 15%: `secure`, `hikvision`, `logistics`, a site name.
 * A fifth of the queries also carry a filter (status ACTIVE, storage ENABLED, or a region).
 */
export const QUERY_MIX: ReadonlyArray<{ kind: QueryKind; share: number }> = [
  { kind: 'prefix', share: 0.35 },
  { kind: 'one-char', share: 0.05 },
  { kind: 'full-name', share: 0.2 },
  { kind: 'two-word', share: 0.25 },
  { kind: 'tag-value', share: 0.15 },
];
export const FILTERED_SHARE = 0.2;

export interface MixQuery {
  kind: QueryKind;
  filtered: boolean;
  query: Omit<SearchQuery, 'profileId'>;
}

const PREFIX_WORDS = [
  ...SITES,
  ...INDOOR_AREAS.flatMap((a) => a.split('-')),
  ...OUTDOOR_AREAS,
  'hikvision', 'bosch', 'hanwha', 'reolink', 'axis', 'facilities', 'security', 'logistics', 'outdoor',
]; // prettier-ignore

const TWO_WORDS = [
  'front door', 'back door', 'loading dock', 'server room', 'meeting room', 'floor 3', 'floor 0',
  'b2 kitchen', 'outdoor gate', 'outdoor parking', 'secure lab', 'staff kitchen', 'axis lobby', 'restricted storage',
]; // prettier-ignore

const TAG_VALUES = ['secure', 'restricted', 'hikvision', 'bosch', 'reolink', 'logistics', 'it-ops', 'public'];

/** `count` queries drawn from QUERY_MIX against `fleet` (deterministic for a seed). */
export function makeQueries(fleet: readonly FleetChannel[], count: number, seed = 7): MixQuery[] {
  const rnd = prng(seed);
  const out: MixQuery[] = [];
  for (let i = 0; i < count; i++) {
    let r = rnd();
    const kind = QUERY_MIX.find((m) => (r -= m.share) < 0)?.kind ?? 'prefix';
    let text: string;
    switch (kind) {
      case 'prefix': {
        const word = pick(rnd, PREFIX_WORDS);
        text = word.slice(0, Math.min(word.length, 2 + Math.floor(rnd() * 3)));
        break;
      }
      case 'one-char':
        text = pick(rnd, ['f', 's', 'a', 'b', '3', 'l']);
        break;
      case 'full-name':
        text = pick(rnd, fleet).name;
        break;
      case 'two-word':
        text =
          rnd() < 0.7 ? pick(rnd, TWO_WORDS) : `${pick(rnd, SITES)} ${pick(rnd, ['lobby', 'gate', 'dock'])}`;
        break;
      case 'tag-value':
        text = rnd() < 0.7 ? pick(rnd, TAG_VALUES) : pick(rnd, SITES);
        break;
    }
    const filtered = rnd() < FILTERED_SHARE;
    const filter = (): Omit<SearchQuery, 'profileId' | 'query'> => {
      const f = rnd();
      if (f < 0.4) return { status: 'ACTIVE' };
      if (f < 0.7) return { storage: 'ENABLED' };
      return { region: pick(rnd, FLEET_REGIONS).region };
    };
    out.push({ kind, filtered, query: { query: text, limit: 100, ...(filtered ? filter() : {}) } });
  }
  return out;
}
