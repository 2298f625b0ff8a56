import type { ViewerSnapshot } from '../viewer/types';

/** The shape drawn next to the words, so that state never rests on colour alone. */
export type StatusIcon = 'empty' | 'connecting' | 'live' | 'reconnecting' | 'frozen' | 'offline' | 'refused';

export interface TileStatus {
  icon: StatusIcon;
  /** What the tile says, e.g. "Live", "Frozen 4 s", "Refused: …". */
  text: string;
  /** Extra detail for the tooltip (reason, next retry). */
  detail: string;
}

/** The status line of a tile from its session snapshot (null: no channel on the tile). */
export function tileStatus(snapshot: ViewerSnapshot | null, now: number): TileStatus {
  if (!snapshot) return { icon: 'empty', text: 'Empty — drop a camera here', detail: '' };
  const reason = snapshot.reason;
  const retry =
    snapshot.nextRetryAt !== null
      ? ` Next try in ${Math.max(0, Math.ceil((snapshot.nextRetryAt - now) / 1000))} s.`
      : '';
  const detail = reason ? `${reason.message}${retry}` : '';
  switch (snapshot.state) {
    case 'idle':
    case 'preparing':
    case 'signaling':
    case 'negotiating':
      return { icon: 'connecting', text: 'Connecting…', detail };
    case 'live':
      return { icon: 'live', text: 'Live', detail: snapshot.signalingOpen ? '' : 'Signaling reconnecting' };
    case 'recovering':
      if (reason?.code === 'Frozen' || snapshot.frozenForMs !== null) {
        const seconds = Math.max(1, Math.round((snapshot.frozenForMs ?? 0) / 1000));
        return { icon: 'frozen', text: `Frozen ${seconds} s`, detail };
      }
      if (reason?.code === 'CameraOffline') {
        return { icon: 'offline', text: 'Offline — camera not answering', detail };
      }
      return { icon: 'reconnecting', text: 'Reconnecting…', detail };
    case 'failed':
      if (reason?.code === 'CameraOffline') {
        return { icon: 'offline', text: 'Offline — camera not answering', detail };
      }
      if (reason?.code === 'ChannelNotFound') {
        return { icon: 'refused', text: `Channel gone: ${reason.message}`, detail };
      }
      return { icon: 'refused', text: `Refused: ${reason?.message ?? 'the connection was refused'}`, detail };
    case 'closed':
      return { icon: 'empty', text: 'Closed', detail };
  }
}
