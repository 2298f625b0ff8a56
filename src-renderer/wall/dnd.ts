/** Drag and drop between the catalog and the wall: a channel onto a tile, or a tile onto another. */
import type { TileChannel } from './wallState.svelte';

const CHANNEL = 'application/x-watchfloor-channel';
const TILE = 'application/x-watchfloor-tile';

export function dragChannel(event: DragEvent, channel: TileChannel): void {
  if (!event.dataTransfer) return;
  event.dataTransfer.setData(CHANNEL, JSON.stringify({ arn: channel.arn, name: channel.name }));
  event.dataTransfer.setData('text/plain', channel.name);
  event.dataTransfer.effectAllowed = 'copyMove';
  channelInFlight = channel;
}

export function dragTile(event: DragEvent, index: number): void {
  if (!event.dataTransfer) return;
  event.dataTransfer.setData(TILE, String(index));
  event.dataTransfer.effectAllowed = 'move';
}

/** True when the drag carries something a tile accepts (only the types are readable before the drop). */
export function acceptsDrop(event: DragEvent): boolean {
  const types = event.dataTransfer?.types ?? [];
  return types.includes(CHANNEL) || types.includes(TILE);
}

export type Dropped = { kind: 'channel'; channel: TileChannel } | { kind: 'tile'; index: number } | null;

// The full catalog entry of the channel being dragged (dataTransfer only carries strings).
let channelInFlight: TileChannel | null = null;

export function readDrop(event: DragEvent): Dropped {
  const data = event.dataTransfer;
  if (!data) return null;
  const tile = data.getData(TILE);
  if (tile !== '') {
    const index = Number(tile);
    return Number.isInteger(index) ? { kind: 'tile', index } : null;
  }
  const raw = data.getData(CHANNEL);
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as { arn?: unknown; name?: unknown };
    if (typeof parsed.arn !== 'string' || typeof parsed.name !== 'string') return null;
    const summary = channelInFlight?.arn === parsed.arn ? channelInFlight.summary : null;
    return { kind: 'channel', channel: { arn: parsed.arn, name: parsed.name, summary } };
  } catch {
    return null;
  } finally {
    channelInFlight = null;
  }
}
