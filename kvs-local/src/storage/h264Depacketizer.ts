/** The parts of an RTP packet the depacketizer reads (werift's RtpPacket fits). */
export interface RtpLike {
  header: { sequenceNumber: number; timestamp: number; marker: boolean };
  payload: Buffer;
}

/** One H.264 access unit (a frame) rebuilt from RTP, NAL units without start codes. */
export interface AccessUnit {
  /** 90 kHz RTP timestamp shared by every packet of the frame. */
  rtpTimestamp: number;
  nalus: Buffer[];
  /** Carries an IDR slice (NAL type 5): decoding can start here. */
  keyframe: boolean;
  /** False when a packet of this frame (or of a fragmented NAL in it) was lost or unsupported. */
  complete: boolean;
}

const START_CODE = Buffer.from([0, 0, 0, 1]);
const NAL_IDR = 5;
const NAL_STAP_A = 24;
const NAL_FU_A = 28;

/** Annex-B byte stream of an access unit (4-byte start codes), what ffprobe and players read. */
export function toAnnexB(nalus: readonly Buffer[]): Buffer {
  return Buffer.concat(nalus.flatMap((nalu) => [START_CODE, nalu]));
}

/** NAL unit type (low 5 bits of the first byte). */
export function nalType(nalu: Buffer): number {
  return (nalu[0] ?? 0) & 0x1f;
}

/**
 * RFC 6184 packetization-mode 1 receiver: single NAL units, STAP-A and FU-A packets in, whole
 * access units out. A frame ends at the marker bit or when the timestamp changes (in case the
 * marked packet was lost). Loss inside a frame marks it incomplete rather than guessing.
 */
export class H264Depacketizer {
  private lastSeq: number | undefined;
  private auTimestamp: number | undefined;
  private nalus: Buffer[] = [];
  private complete = true;
  /** Pieces of the FU-A NAL being reassembled; the first is the rebuilt NAL header. */
  private fragment: Buffer[] | undefined;

  /** Feeds one RTP packet; returns the access units it completed (usually zero or one). */
  push(packet: RtpLike): AccessUnit[] {
    const { sequenceNumber: seq, timestamp, marker } = packet.header;
    const out: AccessUnit[] = [];
    if (this.lastSeq !== undefined) {
      const step = (seq - this.lastSeq) & 0xffff;
      // Duplicates and late retransmissions of packets already passed over are dropped.
      if (step === 0 || step >= 0x8000) return out;
      if (step !== 1) this.markLoss();
    }
    this.lastSeq = seq;
    if (this.auTimestamp !== undefined && timestamp !== this.auTimestamp) this.finish(out);
    this.auTimestamp = timestamp;
    this.parse(packet.payload);
    if (marker) this.finish(out);
    return out;
  }

  /** Forgets all state, e.g. when a new producer replaces the old one. */
  reset(): void {
    this.lastSeq = undefined;
    this.auTimestamp = undefined;
    this.nalus = [];
    this.complete = true;
    this.fragment = undefined;
  }

  private markLoss(): void {
    this.complete = false;
    this.fragment = undefined;
  }

  private parse(payload: Buffer): void {
    if (payload.length < 1) return;
    const type = nalType(payload);
    if (type >= 1 && type <= 23) {
      this.nalus.push(payload);
    } else if (type === NAL_STAP_A) {
      let offset = 1;
      while (offset + 2 <= payload.length) {
        const size = payload.readUInt16BE(offset);
        offset += 2;
        if (size === 0 || offset + size > payload.length) {
          this.complete = false;
          break;
        }
        this.nalus.push(payload.subarray(offset, offset + size));
        offset += size;
      }
    } else if (type === NAL_FU_A && payload.length >= 2) {
      this.parseFuA(payload);
    } else {
      // STAP-B, MTAP and FU-B belong to interleaved mode (2), which the session never offers.
      this.complete = false;
    }
  }

  private parseFuA(payload: Buffer): void {
    const fuHeader = payload[1] ?? 0;
    const start = (fuHeader & 0x80) !== 0;
    const end = (fuHeader & 0x40) !== 0;
    if (start) {
      if (this.fragment) this.complete = false;
      const header = ((payload[0] ?? 0) & 0xe0) | (fuHeader & 0x1f);
      this.fragment = [Buffer.from([header]), payload.subarray(2)];
    } else if (this.fragment) {
      this.fragment.push(payload.subarray(2));
    } else {
      // A middle or end piece without its start: the NAL cannot be rebuilt.
      this.complete = false;
      return;
    }
    if (end) {
      this.nalus.push(Buffer.concat(this.fragment));
      this.fragment = undefined;
    }
  }

  private finish(out: AccessUnit[]): void {
    if (this.fragment) {
      this.complete = false;
      this.fragment = undefined;
    }
    if (this.nalus.length > 0 && this.auTimestamp !== undefined) {
      out.push({
        rtpTimestamp: this.auTimestamp,
        nalus: this.nalus,
        keyframe: this.nalus.some((n) => nalType(n) === NAL_IDR),
        complete: this.complete,
      });
    }
    this.nalus = [];
    this.complete = true;
    this.auTimestamp = undefined;
  }
}
