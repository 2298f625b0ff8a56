/** Test helpers: RFC 6184 packetization (single NAL, STAP-A, FU-A) of synthetic H.264 NAL units. */
import type { RtpLike } from '../../../kvs-local/src/storage/h264Depacketizer';

/** A NAL unit of `type` with `size` payload bytes (first byte = header, NRI 3). */
export function nal(type: number, size: number, fill = 0xab): Buffer {
  const out = Buffer.alloc(size, fill);
  out[0] = 0x60 | type;
  return out;
}

/** Packetizes one access unit: parameter sets aggregated in STAP-A, big NALs split into FU-A. */
export function packetize(
  nalus: Buffer[],
  timestamp: number,
  firstSeq: number,
  { mtu = 1000, stap = true } = {},
): RtpLike[] {
  const payloads: Buffer[] = [];
  let i = 0;
  const small = (n: Buffer | undefined): boolean =>
    n !== undefined && ((n[0] ?? 0) & 0x1f) >= 6 && n.length < 200;
  while (i < nalus.length) {
    if (stap && small(nalus[i]) && small(nalus[i + 1])) {
      const group: Buffer[] = [];
      while (small(nalus[i])) group.push(nalus[i++] as Buffer);
      const parts = group.flatMap((n) => {
        const size = Buffer.alloc(2);
        size.writeUInt16BE(n.length);
        return [size, n];
      });
      payloads.push(Buffer.concat([Buffer.from([0x78]), ...parts]));
      continue;
    }
    const unit = nalus[i++] as Buffer;
    if (unit.length <= mtu) {
      payloads.push(unit);
      continue;
    }
    const header = unit[0] ?? 0;
    const body = unit.subarray(1);
    for (let offset = 0; offset < body.length; offset += mtu) {
      const start = offset === 0 ? 0x80 : 0;
      const end = offset + mtu >= body.length ? 0x40 : 0;
      const indicator = (header & 0xe0) | 28;
      const fuHeader = start | end | (header & 0x1f);
      payloads.push(Buffer.concat([Buffer.from([indicator, fuHeader]), body.subarray(offset, offset + mtu)]));
    }
  }
  return payloads.map((payload, k) => ({
    header: { sequenceNumber: (firstSeq + k) & 0xffff, timestamp, marker: k === payloads.length - 1 },
    payload,
  }));
}

/** A keyframe access unit: SPS, PPS and a large IDR slice. */
export function keyframe(size = 3000): Buffer[] {
  return [nal(7, 20, 0x11), nal(8, 6, 0x22), nal(5, size, 0x33)];
}

/** A predicted frame: one non-IDR slice. */
export function delta(size = 400): Buffer[] {
  return [nal(1, size, 0x44)];
}
