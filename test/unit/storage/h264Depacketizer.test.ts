import { describe, expect, it } from 'vitest';
import { H264Depacketizer, nalType, toAnnexB } from '../../../kvs-local/src/storage/h264Depacketizer';
import type { AccessUnit } from '../../../kvs-local/src/storage/h264Depacketizer';
import { delta, keyframe, nal, packetize } from './rtpH264';

function feed(packets: ReturnType<typeof packetize>, d = new H264Depacketizer()): AccessUnit[] {
  return packets.flatMap((p) => d.push(p));
}

describe('H264Depacketizer', () => {
  it('rebuilds a keyframe sent as STAP-A + FU-A into the original NAL units', () => {
    const nalus = keyframe(3500);
    const units = feed(packetize(nalus, 9000, 100, { mtu: 1000 }));
    expect(units).toHaveLength(1);
    const [unit] = units;
    expect(unit?.keyframe).toBe(true);
    expect(unit?.complete).toBe(true);
    expect(unit?.rtpTimestamp).toBe(9000);
    expect(unit?.nalus.map(nalType)).toEqual([7, 8, 5]);
    expect(Buffer.concat(unit?.nalus ?? [])).toEqual(Buffer.concat(nalus));
  });

  it('handles single NAL packets and sequence-number wrap-around', () => {
    const d = new H264Depacketizer();
    const a = feed(packetize(delta(), 1, 0xffff), d);
    const b = feed(packetize(delta(), 2, 0), d);
    expect(a.map((u) => u.complete)).toEqual([true]);
    expect(b.map((u) => [u.keyframe, u.complete])).toEqual([[false, true]]);
  });

  it('marks a frame incomplete when a fragment is lost', () => {
    const packets = packetize(keyframe(3500), 3000, 10, { mtu: 1000 });
    packets.splice(2, 1);
    const units = feed(packets);
    expect(units).toHaveLength(1);
    expect(units[0]?.complete).toBe(false);
  });

  it('closes a frame on a timestamp change when its marked packet was lost', () => {
    const d = new H264Depacketizer();
    const first = packetize([nal(1, 100), nal(1, 100)], 100, 1, { stap: false });
    first.pop();
    const units = [...feed(first, d), ...feed(packetize(delta(), 200, 3), d)];
    expect(units.map((u) => [u.rtpTimestamp, u.complete])).toEqual([
      [100, false],
      [200, true],
    ]);
  });

  it('ignores duplicate and late packets', () => {
    const d = new H264Depacketizer();
    const packets = packetize(delta(), 5, 50);
    expect(feed([...packets, ...packets], d)).toHaveLength(1);
  });

  it('writes Annex-B with 4-byte start codes', () => {
    expect(toAnnexB([Buffer.from([0x65, 1]), Buffer.from([0x41])])).toEqual(
      Buffer.from([0, 0, 0, 1, 0x65, 1, 0, 0, 0, 1, 0x41]),
    );
  });
});
