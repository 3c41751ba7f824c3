// The OPFS log's byte format, in Node: the codec is pure, so every torn or
// flipped byte can be tried here, which the browser suites cannot afford.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { crc32 } from '../../src/backends/opfs/crc32.js';
import {
  decodeFrame,
  ENCODE_IN_PLACE_MAX_CHARS,
  encodeFrame,
  FRAME_HEADER_BYTES,
  framePuts,
  HEADER_BYTES,
  headerBytes,
  isLogHeader,
  nextValidFrame,
} from '../../src/backends/opfs/frame-codec.js';
import type { StoredTrace } from '../../src/backend.js';
import { storedTrace } from '../contract/fixtures.js';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
const viewOf = (data: Uint8Array): DataView => new DataView(data.buffer, data.byteOffset, data.byteLength);
const decode = (data: Uint8Array, offset = 0): ReturnType<typeof decodeFrame> =>
  decodeFrame(data, viewOf(data), offset);
const resync = (data: Uint8Array, from: number): number => nextValidFrame(data, viewOf(data), from);
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};
const putsFrame = (...records: StoredTrace[]): Uint8Array =>
  encodeFrame(framePuts(records.map((record) => JSON.stringify(record))));
const decodedRecords = (data: Uint8Array, offset = 0): StoredTrace[] | undefined => {
  const decoded = decode(data, offset);
  return decoded.ok ? decoded.value.p : undefined;
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('crc32', () => {
  it('matches the CRC-32 (IEEE) check values', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(ascii('a'))).toBe(0xe8b7be43);
    expect(crc32(ascii('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
    expect(crc32(new Uint8Array(32).fill(0xff))).toBe(0xff6cab0b);
  });

  it('is unsigned: values with the top bit set come out positive', () => {
    expect(crc32(ascii('123456789'))).toBeGreaterThan(0x7fffffff);
  });
});

describe('file header', () => {
  it('is "OTBL" then format version 1, little-endian', () => {
    expect([...headerBytes()]).toEqual([0x4f, 0x54, 0x42, 0x4c, 1, 0, 0, 0]);
    expect(headerBytes().length).toBe(HEADER_BYTES);
    expect(isLogHeader(headerBytes())).toBe(true);
  });

  it('seals nothing when cut short, with another marker or another version', () => {
    expect(isLogHeader(headerBytes().subarray(0, HEADER_BYTES - 1))).toBe(false);
    expect(isLogHeader(new Uint8Array(HEADER_BYTES))).toBe(false);
    const otherVersion = headerBytes();
    otherVersion[4] = 2;
    expect(isLogHeader(otherVersion)).toBe(false);
  });

  it('is read where it sits, not at the start of the underlying buffer', () => {
    const file = concat(new Uint8Array(3), headerBytes());
    expect(isLogHeader(file.subarray(3))).toBe(true);
  });
});

describe('frame encode and decode', () => {
  it('lays out [magic "OTBF"][length][crc32 of the payload][payload]', () => {
    const json = '{"d":["a"]}';
    const frame = encodeFrame(json);
    const view = viewOf(frame);
    expect([...frame.subarray(0, 4)]).toEqual([...ascii('OTBF')]);
    expect(view.getUint32(4, true)).toBe(json.length);
    expect(view.getUint32(8, true)).toBe(crc32(ascii(json)));
    expect(new TextDecoder().decode(frame.subarray(FRAME_HEADER_BYTES))).toBe(json);
    expect(frame.length).toBe(FRAME_HEADER_BYTES + json.length);
  });

  it('round-trips an ASCII frame of records and deletions', () => {
    const records = [storedTrace(1), storedTrace(2)];
    const frame = encodeFrame(
      framePuts(
        records.map((r) => JSON.stringify(r)),
        ['gone-1', 'gone-2'],
      ),
    );
    const decoded = decode(frame);
    expect(decoded).toEqual({ ok: true, value: { p: records, d: ['gone-1', 'gone-2'] }, next: frame.length });
  });

  it('round-trips multi-byte UTF-8, counting bytes, not characters', () => {
    const record = storedTrace(3);
    record.traceJson = JSON.stringify({ output: 'déjà vu, 中文, 🦊 and \u2028' });
    const json = framePuts([JSON.stringify(record)]);
    const frame = encodeFrame(json);
    const byteLength = new TextEncoder().encode(json).length;
    expect(byteLength).toBeGreaterThan(json.length);
    expect(frame.length).toBe(FRAME_HEADER_BYTES + byteLength);
    expect(viewOf(frame).getUint32(4, true)).toBe(byteLength);
    expect(decodedRecords(frame)).toEqual([record]);
  });

  it('encodes frames up to the in-place limit in place', () => {
    const encodeInto = vi.spyOn(TextEncoder.prototype, 'encodeInto');
    const encode = vi.spyOn(TextEncoder.prototype, 'encode');
    const record = storedTrace(4);
    record.traceJson = JSON.stringify({ output: 'é' });
    const json = framePuts([JSON.stringify(record)]);
    encodeFrame(json);
    expect(encodeInto).toHaveBeenCalledTimes(1);
    expect(encode).not.toHaveBeenCalled();
  });

  it('round-trips a frame past the in-place limit (the copy path)', () => {
    const encodeInto = vi.spyOn(TextEncoder.prototype, 'encodeInto');
    const record = storedTrace(5);
    // Two UTF-8 bytes per character, so a wrong byte count would show.
    record.traceJson = JSON.stringify({ output: 'ü'.repeat(ENCODE_IN_PLACE_MAX_CHARS) });
    const json = framePuts([JSON.stringify(record)]);
    expect(json.length).toBeGreaterThan(ENCODE_IN_PLACE_MAX_CHARS);
    const frame = encodeFrame(json);
    expect(encodeInto).not.toHaveBeenCalled();
    expect(frame.length).toBe(FRAME_HEADER_BYTES + json.length + ENCODE_IN_PLACE_MAX_CHARS);
    expect(decodedRecords(frame)).toEqual([record]);
  });

  it('decodes a frame at an offset, and `next` points just past it', () => {
    const first = putsFrame(storedTrace(6));
    const second = putsFrame(storedTrace(7));
    const log = concat(first, second);
    const one = decode(log, 0);
    expect(one.ok && one.next).toBe(first.length);
    const two = decode(log, first.length);
    expect(two.ok && two.next).toBe(log.length);
  });
});

describe('frames that do not decode', () => {
  const frame = putsFrame(storedTrace(8));

  it('a frame cut short at any byte of its header or payload (a torn write)', () => {
    const good = putsFrame(storedTrace(9));
    for (let cut = 0; cut < frame.length; cut++) {
      const log = concat(good, frame.subarray(0, cut));
      const decoded = decode(log, good.length);
      const expected = cut < FRAME_HEADER_BYTES ? 'a frame header cut short' : 'a frame cut short (torn write)';
      expect(decoded, `cut after ${cut} bytes`).toEqual({ ok: false, reason: expected });
      // The good frame before it still reads, and nothing after it does.
      expect(decode(log, 0).ok).toBe(true);
      expect(resync(log, good.length + 1), `cut after ${cut} bytes`).toBe(-1);
    }
  });

  it('a flipped byte in the checksum or the payload is a checksum mismatch', () => {
    for (let i = 8; i < frame.length; i++) {
      const flipped = frame.slice();
      flipped[i]! ^= 0x01;
      expect(decode(flipped), `byte ${i} flipped`).toEqual({ ok: false, reason: 'checksum mismatch' });
    }
  });

  it('a flipped byte anywhere in the frame makes it unreadable', () => {
    for (let i = 0; i < frame.length; i++) {
      const flipped = frame.slice();
      flipped[i]! ^= 0x80;
      expect(decode(flipped).ok, `byte ${i} flipped`).toBe(false);
      expect(resync(flipped, 0), `byte ${i} flipped`).toBe(-1);
    }
  });

  it('bytes without the frame marker', () => {
    expect(decode(new Uint8Array(64))).toEqual({ ok: false, reason: 'no frame marker' });
    const shifted = concat(new Uint8Array(1), frame);
    expect(decode(shifted)).toEqual({ ok: false, reason: 'no frame marker' });
    expect(decode(shifted, 1).ok).toBe(true);
  });

  it('a payload whose checksum matches but that is not JSON', () => {
    const decoded = decode(encodeFrame('{"p":[tor'));
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.reason).toMatch(/^payload does not decode \(SyntaxError: /);
  });

  it('a payload that is not UTF-8', () => {
    const frame = encodeFrame('{"d":["xx"]}');
    const payload = frame.subarray(FRAME_HEADER_BYTES);
    payload[7] = 0xff;
    viewOf(frame).setUint32(8, crc32(payload), true);
    const decoded = decode(frame);
    expect(!decoded.ok && decoded.reason).toMatch(/^payload does not decode \(TypeError: /);
  });

  it('a frame holding a record without the shape of a stored trace', () => {
    const decoded = decode(encodeFrame(framePuts([JSON.stringify({ ...storedTrace(10), id: '' })])));
    expect(decoded).toEqual({ ok: false, reason: 'a record in the frame is invalid: missing id' });
  });
});

describe('nextValidFrame', () => {
  const first = storedTrace(11);
  const a = putsFrame(first);
  const b = putsFrame(storedTrace(12));
  // Garbage holding a false start: the marker, then a header whose checksum fails.
  const garbage = concat(ascii('junk'), encodeFrame('{"d":["x"]}').fill(0x41, 12), ascii('more junk!'));

  it('resynchronises on the first frame that decodes after garbage', () => {
    const log = concat(garbage, a, b);
    expect(decode(log, 4)).toEqual({ ok: false, reason: 'checksum mismatch' });
    expect(resync(log, 0)).toBe(garbage.length);
    expect(resync(log, 1)).toBe(garbage.length);
    expect(decodedRecords(log, garbage.length)).toEqual([first]);
  });

  it('skips garbage between two frames to the second', () => {
    const log = concat(a, garbage, b);
    expect(decode(log, a.length).ok).toBe(false);
    expect(resync(log, a.length + 1)).toBe(a.length + garbage.length);
    const second = decode(log, a.length + garbage.length);
    expect(second.ok && second.next).toBe(log.length);
  });

  it('starts at `from`: a frame before it is not found', () => {
    const log = concat(a, b);
    expect(resync(log, 0)).toBe(0);
    expect(resync(log, 1)).toBe(a.length);
    expect(resync(log, a.length + 1)).toBe(-1);
  });

  it('is -1 when only garbage follows', () => {
    expect(resync(concat(a, garbage), a.length + 1)).toBe(-1);
    expect(resync(new Uint8Array(0), 0)).toBe(-1);
  });
});

describe('framePuts', () => {
  const records = [storedTrace(13), storedTrace(14)];
  const jsons = records.map((record) => JSON.stringify(record));

  it('is the JSON of a frame with records put', () => {
    expect(JSON.parse(framePuts(jsons))).toEqual({ p: records });
  });

  it('is the JSON of a frame with ids deleted, escaped as JSON', () => {
    const ids = ['plain', 'with "quotes"', 'back\\slash', 'line\nbreak', 'é🦊'];
    expect(JSON.parse(framePuts([], ids))).toEqual({ d: ids });
  });

  it('is the JSON of a frame with both', () => {
    expect(JSON.parse(framePuts(jsons, ['gone']))).toEqual({ p: records, d: ['gone'] });
  });

  it('is an empty frame for nothing', () => {
    expect(JSON.parse(framePuts([]))).toEqual({});
    expect(decode(encodeFrame(framePuts([])))).toEqual({ ok: true, value: {}, next: FRAME_HEADER_BYTES + 2 });
  });
});
