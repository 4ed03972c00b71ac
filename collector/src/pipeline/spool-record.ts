import { crc32 } from 'node:zlib';

/**
 * The spool's on-disk record: `[u32 payload length][u32 crc32 of payload][payload]`, payload
 * `[u8 type][fields]`, little-endian. A crash can leave the last record half written (or a
 * zero-filled tail on some file systems): the length and checksum catch both, so replay stops
 * there instead of reading garbage.
 */
export const HEADER_BYTES = 8;

export const RecordType = {
  /** Encoded insert lines of one accepted request: `[f64 seq][u32 rows][rows × 12 key bytes][body]`. */
  Data: 1,
  /** A batch about to be inserted: `[f64 first seq][f64 last seq][token utf8]`. */
  Mark: 2,
  /** Every data record up to `[f64 seq]` is in ClickHouse. */
  Done: 3,
} as const;

/** Bytes a data record of `rows` rows and a `bodyBytes` body takes on disk. */
export function dataRecordBytes(rows: number, bodyBytes: number): number {
  return HEADER_BYTES + 13 + rows * 12 + bodyBytes;
}

/**
 * A data record as buffers for one `writev`, without copying the body: the checksum runs over
 * the parts in sequence (`crc32` continues from a previous value).
 */
export function encodeData(seq: number, rows: number, keys: Uint32Array, body: Buffer): Buffer[] {
  const head = Buffer.allocUnsafe(HEADER_BYTES + 13);
  const keyBytes = Buffer.from(keys.buffer, keys.byteOffset, rows * 12);
  head.writeUInt32LE(13 + keyBytes.length + body.length, 0);
  head.writeUInt8(RecordType.Data, 8);
  head.writeDoubleLE(seq, 9);
  head.writeUInt32LE(rows, 17);
  const crc = crc32(body, crc32(keyBytes, crc32(head.subarray(HEADER_BYTES))));
  head.writeUInt32LE(crc, 4);
  return [head, keyBytes, body];
}

export function encodeMark(token: string, first: number, last: number): Buffer {
  const tokenBytes = Buffer.from(token, 'utf8');
  const rec = Buffer.allocUnsafe(HEADER_BYTES + 17 + tokenBytes.length);
  rec.writeUInt8(RecordType.Mark, 8);
  rec.writeDoubleLE(first, 9);
  rec.writeDoubleLE(last, 17);
  tokenBytes.copy(rec, 25);
  return seal(rec);
}

export function encodeDone(seq: number): Buffer {
  const rec = Buffer.allocUnsafe(HEADER_BYTES + 9);
  rec.writeUInt8(RecordType.Done, 8);
  rec.writeDoubleLE(seq, 9);
  return seal(rec);
}

function seal(rec: Buffer): Buffer {
  const payload = rec.subarray(HEADER_BYTES);
  rec.writeUInt32LE(payload.length, 0);
  rec.writeUInt32LE(crc32(payload), 4);
  return rec;
}

export type DecodedRecord =
  | { type: typeof RecordType.Data; seq: number; rows: number; keys: Uint32Array; body: Buffer }
  | { type: typeof RecordType.Mark; first: number; last: number; token: string }
  | { type: typeof RecordType.Done; seq: number };

/**
 * The record at `offset` of `buf` and its total length, or undefined when the bytes there are
 * not a whole, intact record (a torn tail, or the end of the buffer).
 */
export function decodeRecord(buf: Buffer, offset: number): { record: DecodedRecord; length: number } | undefined {
  if (offset + HEADER_BYTES > buf.length) return undefined;
  const len = buf.readUInt32LE(offset);
  const end = offset + HEADER_BYTES + len;
  if (len === 0 || end > buf.length) return undefined;
  const payload = buf.subarray(offset + HEADER_BYTES, end);
  if (crc32(payload) !== buf.readUInt32LE(offset + 4)) return undefined;
  const length = HEADER_BYTES + len;
  switch (payload[0]) {
    case RecordType.Data: {
      if (len < 13) return undefined;
      const rows = payload.readUInt32LE(9);
      if (13 + rows * 12 > len) return undefined;
      // A copy: the key words must be 4-byte aligned, which a slice of the file need not be.
      const keys = new Uint32Array(rows * 3);
      Buffer.from(keys.buffer).set(payload.subarray(13, 13 + rows * 12));
      const body = payload.subarray(13 + rows * 12);
      return { record: { type: RecordType.Data, seq: payload.readDoubleLE(1), rows, keys, body }, length };
    }
    case RecordType.Mark:
      if (len < 17) return undefined;
      return {
        record: {
          type: RecordType.Mark,
          first: payload.readDoubleLE(1),
          last: payload.readDoubleLE(9),
          token: payload.subarray(17).toString('utf8'),
        },
        length,
      };
    case RecordType.Done:
      if (len !== 9) return undefined;
      return { record: { type: RecordType.Done, seq: payload.readDoubleLE(1) }, length };
    default:
      return undefined;
  }
}
