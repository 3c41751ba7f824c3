import { describeError } from '../../core/errors.js';
import { decodeStoredTrace, type StoredTrace } from '../../core/record.js';
import { crc32 } from './crc32.js';
import { fromJsonValue } from './record-json.js';

/**
 * The log's byte format, pure (no OPFS): an 8-byte file header ("OTBL",
 * format version) then frames of `[magic u32][length u32][crc32 u32][JSON payload]`,
 * all little-endian. One frame is one atomic step of the backend: a torn write
 * loses the whole step, never half of it.
 */

const FILE_MAGIC = 0x4c42544f; // "OTBL" little-endian
const FILE_FORMAT_VERSION = 1;
export const HEADER_BYTES = 8;
const FRAME_MAGIC = 0x4642544f; // "OTBF" little-endian
export const FRAME_HEADER_BYTES = 12;
/** Frames up to this many characters are encoded straight into their output buffer. */
export const ENCODE_IN_PLACE_MAX_CHARS = 4 * 1024 * 1024;

export interface Frame {
  /** Records put (inserted, or replacing a present record). */
  p?: StoredTrace[];
  /** Ids deleted. */
  d?: string[];
  /** Set on a retired log: the generation that replaced it. */
  r?: number;
}

export type Decoded = { ok: true; value: Frame; next: number } | { ok: false; reason: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The file header; written last by compaction, so it is what seals a log. */
export function headerBytes(): Uint8Array {
  const header = new Uint8Array(HEADER_BYTES);
  const view = new DataView(header.buffer);
  view.setUint32(0, FILE_MAGIC, true);
  view.setUint32(4, FILE_FORMAT_VERSION, true);
  return header;
}

/** Whether `header` (the first HEADER_BYTES of a file) seals a log of this format. */
export function isLogHeader(header: Uint8Array): boolean {
  if (header.length < HEADER_BYTES) return false;
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  return view.getUint32(0, true) === FILE_MAGIC && view.getUint32(4, true) === FILE_FORMAT_VERSION;
}

/** A frame's JSON from records already in JSON form (no parse and re-stringify). */
export function framePuts(records: string[], deleted: string[] = []): string {
  const puts = records.length > 0 ? `"p":[${records.join(',')}]` : '';
  const deletes = deleted.length > 0 ? `"d":${JSON.stringify(deleted)}` : '';
  return `{${puts}${puts && deletes ? ',' : ''}${deletes}}`;
}

export function encodeFrame(json: string): Uint8Array {
  let out: Uint8Array;
  let written: number;
  if (json.length <= ENCODE_IN_PLACE_MAX_CHARS) {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: encode in place, no second copy.
    out = new Uint8Array(FRAME_HEADER_BYTES + json.length * 3);
    written = encoder.encodeInto(json, out.subarray(FRAME_HEADER_BYTES)).written;
  } else {
    // A huge frame: the 3x worst case would cost more memory than the copy.
    const encoded = encoder.encode(json);
    out = new Uint8Array(FRAME_HEADER_BYTES + encoded.length);
    out.set(encoded, FRAME_HEADER_BYTES);
    written = encoded.length;
  }
  const payload = out.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + written);
  const view = new DataView(out.buffer);
  view.setUint32(0, FRAME_MAGIC, true);
  view.setUint32(4, written, true);
  view.setUint32(8, crc32(payload), true);
  return out.subarray(0, FRAME_HEADER_BYTES + written);
}

/** The frame at `offset` of `data` (`view` spans the same bytes), or why it does not decode. */
export function decodeFrame(data: Uint8Array, view: DataView, offset: number): Decoded {
  if (data.length - offset < FRAME_HEADER_BYTES) return { ok: false, reason: 'a frame header cut short' };
  if (view.getUint32(offset, true) !== FRAME_MAGIC) return { ok: false, reason: 'no frame marker' };
  const length = view.getUint32(offset + 4, true);
  const end = offset + FRAME_HEADER_BYTES + length;
  if (end > data.length) return { ok: false, reason: 'a frame cut short (torn write)' };
  const payload = data.subarray(offset + FRAME_HEADER_BYTES, end);
  if (crc32(payload) !== view.getUint32(offset + 8, true)) return { ok: false, reason: 'checksum mismatch' };
  let frame: Frame;
  try {
    frame = JSON.parse(decoder.decode(payload)) as Frame;
  } catch (error) {
    return { ok: false, reason: `payload does not decode (${describeError(error)})` };
  }
  if (frame.p) {
    const records: StoredTrace[] = [];
    for (const value of frame.p) {
      const record = decodeStoredTrace(fromJsonValue(value));
      if ('problem' in record) return { ok: false, reason: `a record in the frame is invalid: ${record.problem}` };
      records.push(record);
    }
    frame.p = records;
  }
  return { ok: true, value: frame, next: end };
}

/** The offset of the next frame that decodes, or -1. */
export function nextValidFrame(data: Uint8Array, view: DataView, from: number): number {
  for (let offset = from; offset + FRAME_HEADER_BYTES <= data.length; offset++) {
    if (view.getUint32(offset, true) !== FRAME_MAGIC) continue;
    if (decodeFrame(data, view, offset).ok) return offset;
  }
  return -1;
}
