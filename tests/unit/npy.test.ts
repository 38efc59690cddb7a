import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { asAttentionTensor, parseNpy, writeNpy, type NpyArray } from '../../src/workloads/npy';

/** A fixture written by NumPy (tests/data/npy/make.py). */
function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../data/npy/${name}`, import.meta.url)));
}

/** Builds a .npy by hand: magic, version, header length, header text, data bytes. */
function handMade(header: string, data: Uint8Array = new Uint8Array(0), major = 1): Uint8Array {
  const lenBytes = major === 1 ? 2 : 4;
  const head = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + lenBytes + head.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, head.length, true);
  else view.setUint32(8, head.length, true);
  out.set(head, 8 + lenBytes);
  out.set(data, 8 + lenBytes + head.length);
  return out;
}

const f4Bytes = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);

function headerText(bytes: Uint8Array): string {
  const len = bytes[8] | (bytes[9] << 8);
  return String.fromCharCode(...bytes.subarray(10, 10 + len));
}

describe('parseNpy reads files written by NumPy', () => {
  it('float32, 2-D', () => {
    const a = parseNpy(fixture('f32-2d.npy'));
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([3, 4]);
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(Array.from(a.data)).toEqual(Array.from({ length: 12 }, (_, i) => Math.fround(i * 0.1 - 0.35)));
  });

  it('float64, 3-D', () => {
    const a = parseNpy(fixture('f64-3d.npy'));
    expect(a.dtype).toBe('float64');
    expect(a.shape).toEqual([2, 3, 4]);
    expect(a.data).toBeInstanceOf(Float64Array);
    expect(Array.from(a.data)).toEqual(Array.from({ length: 24 }, (_, i) => Math.sqrt(i) / 7 - 1));
  });

  it('1-D shape (5,) and 0-D shape ()', () => {
    const a = parseNpy(fixture('f64-1d.npy'));
    expect(a.shape).toEqual([5]);
    expect(Array.from(a.data)).toEqual([-0.5, -0.25, 0, 0.25, 0.5]);
    const s = parseNpy(fixture('f64-0d.npy'));
    expect(s.shape).toEqual([]);
    expect(Array.from(s.data)).toEqual([2.5]);
  });

  it('format versions 2.0 and 3.0', () => {
    const v2 = parseNpy(fixture('v2.npy'));
    expect(fixture('v2.npy')[6]).toBe(2);
    expect(v2.shape).toEqual([2, 5]);
    expect(Array.from(v2.data)).toEqual(Array.from({ length: 10 }, (_, i) => i / 4));
    const v3 = parseNpy(fixture('v3.npy'));
    expect(fixture('v3.npy')[6]).toBe(3);
    expect(v3.dtype).toBe('float32');
    expect(v3.shape).toEqual([3, 2]);
    expect(Array.from(v3.data)).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
  });

  it('data at an offset that is not a multiple of the item size (copied)', () => {
    const file = fixture('f64-3d.npy');
    const buf = new Uint8Array(file.length + 3);
    buf.set(file, 3);
    const a = parseNpy(buf.subarray(3));
    expect(a.data.byteOffset % 8).toBe(0);
    expect(a.data[23]).toBe(Math.sqrt(23) / 7 - 1);
  });
});

describe('parseNpy header parsing', () => {
  const data = f4Bytes([1, 2, 3, 4, 5, 6]);
  it.each([
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", [2, 3]],
    ['{"descr":"<f4","fortran_order":False,"shape":(2,3)}', [2, 3]],
    ["{ 'shape' : ( 6 , ) ,'fortran_order':False,'descr':'<f4' }\n", [6]],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }          \n", [2, 3]],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': [3, 2], }", [3, 2]],
  ])('%s', (header, shape) => {
    const a = parseNpy(handMade(header, data));
    expect(a.shape).toEqual(shape);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a zero-sized array', () => {
    const a = parseNpy(handMade("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 4), }"));
    expect(a.shape).toEqual([0, 4]);
    expect(a.data).toHaveLength(0);
  });
});

describe('parseNpy errors name the problem (and the file)', () => {
  const good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  it.each<[string, Uint8Array, RegExp]>([
    ['bad magic', new TextEncoder().encode('schema,variant\n1,exact\n'), /^Q\.npy: not a \.npy file \(bad magic/],
    ['empty file', new Uint8Array(0), /^Q\.npy: not a \.npy file \(the file is empty\)/],
    ['unsupported version', (() => { const b = fixture('f32-2d.npy'); b[6] = 4; return b; })(),
      /^Q\.npy: unsupported \.npy format version 4\.0 \(supported: 1\.0, 2\.0, 3\.0\)$/],
    ['int64', fixture('int64.npy'), /^Q\.npy: dtype '<i8' is not supported: use float32 or float64$/],
    ['big-endian', fixture('big-endian.npy'), /^Q\.npy: big-endian dtype '>f4' is not supported/],
    ['byte order |', handMade("{'descr': '|f4', 'fortran_order': False, 'shape': (2,), }", f4Bytes([1, 2])),
      /^Q\.npy: dtype '\|f4' is not valid for a float: it needs an explicit byte order, e\.g\. '<f4'$/],
    ['float16', handMade("{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", new Uint8Array(4)),
      /dtype '<f2' is not supported/],
    ['structured dtype', handMade("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", f4Bytes([1, 2])),
      /structured dtypes/],
    ['fortran order', fixture('fortran.npy'), /^Q\.npy: Fortran-order arrays \(fortran_order: True\) are not supported/],
    ['truncated header', fixture('truncated-header.npy'), /^Q\.npy: truncated header/],
    ['no header length', fixture('f32-2d.npy').subarray(0, 9), /^Q\.npy: truncated header/],
    ['cut in the magic', fixture('f32-2d.npy').subarray(0, 3), /^Q\.npy: truncated header/],
    ['truncated data', fixture('truncated-data.npy'),
      /^Q\.npy: data size does not match the shape: \(3, 4\) float32 needs 48 bytes, the file has 44 \(truncated\?\)$/],
    ['extra data', handMade(good, f4Bytes([1, 2, 3])), /data size does not match the shape: \(2,\) float32 needs 8 bytes, the file has 12$/],
    ['not a dict', handMade("('<f4', False, (2,))", f4Bytes([1, 2])), /malformed header: it is not a dict/],
    ['missing shape', handMade("{'descr': '<f4', 'fortran_order': False}", f4Bytes([1, 2])), /malformed header: no 'shape' entry/],
    ['bad shape', handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (2.5,)}", f4Bytes([1, 2])), /malformed header/],
    ['negative dim', handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", f4Bytes([1, 2])), /non-negative integers/],
    ['syntax', handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (2,}", f4Bytes([1, 2])), /malformed header: unexpected '}' at character \d+/],
    ['unterminated string', handMade("{'descr: '<f4'}"), /malformed header/],
  ])('%s', (_what, bytes, message) => {
    expect(() => parseNpy(bytes, 'Q.npy')).toThrow(message);
  });

  it('messages are one line and have no prefix without a name', () => {
    try {
      parseNpy(fixture('int64.npy'));
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toBe("dtype '<i8' is not supported: use float32 or float64");
    }
  });
});

describe('writeNpy', () => {
  it('writes format 1.0 with the data at a multiple of 64 bytes and a header ending in \\n', () => {
    for (const shape of [[], [1], [5], [3, 4], [2, 3, 4], [1, 1, 1, 1, 7]]) {
      const count = shape.reduce((a, b) => a * b, 1);
      const bytes = writeNpy(new Float32Array(count), shape);
      expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
      const header = headerText(bytes);
      expect((10 + header.length) % 64).toBe(0);
      expect(header.endsWith('\n')).toBe(true);
      expect(bytes.length).toBe(10 + header.length + 4 * count);
    }
    // the header NumPy writes for such an array (compare the fixtures)
    expect(headerText(writeNpy(new Float32Array(12), [3, 4])).trimEnd())
      .toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }");
    expect(headerText(writeNpy(new Float64Array(5), [5])).trimEnd())
      .toBe("{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }");
    expect(headerText(writeNpy(new Float64Array(1), [])).trimEnd())
      .toBe("{'descr': '<f8', 'fortran_order': False, 'shape': (), }");
  });

  it('re-encodes NumPy fixtures to the same values', () => {
    for (const name of ['f32-2d.npy', 'f64-3d.npy', 'f64-1d.npy', 'f64-0d.npy', 'v2.npy', 'v3.npy']) {
      const a = parseNpy(fixture(name));
      const b = parseNpy(writeNpy(a.data, a.shape));
      expect(b).toEqual(a);
    }
  });

  it('round-trips float32 and float64 arrays of any shape', () => {
    const shapes = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 4 });
    fc.assert(
      fc.property(shapes, fc.boolean(), fc.integer(), (shape, f32, seed) => {
        const count = shape.reduce((a, b) => a * b, 1);
        const values = Array.from({ length: count }, (_, i) => Math.sin(seed + i) * 10 ** ((i % 7) - 3));
        const data = f32 ? Float32Array.from(values) : Float64Array.from(values);
        const back = parseNpy(writeNpy(data, shape));
        expect(back.dtype).toBe(f32 ? 'float32' : 'float64');
        expect(back.shape).toEqual(shape);
        expect(back.data).toEqual(data);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps special values bit for bit', () => {
    const data = Float64Array.from([NaN, Infinity, -Infinity, -0, 5e-324, Number.MAX_VALUE]);
    const back = parseNpy(writeNpy(data, [6])).data;
    expect(Object.is(back[3], -0)).toBe(true);
    expect(Array.from(back)).toEqual(Array.from(data));
  });

  it('rejects a shape that does not match the data', () => {
    expect(() => writeNpy(new Float32Array(6), [2, 4])).toThrow(/shape \(2, 4\) holds 8 values, the data has 6/);
    expect(() => writeNpy(new Float32Array(2), [2.5])).toThrow(/non-negative integers/);
  });
});

describe('asAttentionTensor', () => {
  const arr = (shape: number[], values?: number[], dtype: NpyArray['dtype'] = 'float64'): NpyArray => {
    const count = shape.reduce((a, b) => a * b, 1);
    const v = values ?? Array.from({ length: count }, (_, i) => i + 0.5);
    return { dtype, shape, data: dtype === 'float32' ? Float32Array.from(v) : Float64Array.from(v) };
  };

  it('reads N×d as one head and H×N×d as H heads', () => {
    expect(asAttentionTensor(arr([5, 3]), 'Q.npy')).toMatchObject({ heads: 1, n: 5, d: 3 });
    const t = asAttentionTensor(arr([2, 5, 3]), 'Q.npy');
    expect(t).toMatchObject({ heads: 2, n: 5, d: 3 });
    expect(t.data).toHaveLength(30);
  });

  it('widens float32 to float64', () => {
    const t = asAttentionTensor(arr([1, 3], [0.1, 0.2, 0.3], 'float32'), 'V.npy');
    expect(t.data).toBeInstanceOf(Float64Array);
    expect(Array.from(t.data)).toEqual([0.1, 0.2, 0.3].map(Math.fround));
  });

  it('reads the NumPy fixtures', () => {
    expect(asAttentionTensor(parseNpy(fixture('f64-3d.npy')), 'K.npy')).toMatchObject({ heads: 2, n: 3, d: 4 });
    expect(asAttentionTensor(parseNpy(fixture('f32-2d.npy')), 'K.npy')).toMatchObject({ heads: 1, n: 3, d: 4 });
  });

  it('names the file and the problem', () => {
    expect(() => asAttentionTensor(arr([3]), 'K.npy')).toThrow('K.npy: expected shape N×d or H×N×d, got (3,)');
    expect(() => asAttentionTensor(arr([]), 'K.npy')).toThrow('K.npy: expected shape N×d or H×N×d, got ()');
    expect(() => asAttentionTensor(arr([1, 2, 3, 4]), 'K.npy')).toThrow('got (1, 2, 3, 4)');
    expect(() => asAttentionTensor(arr([0, 4]), 'K.npy')).toThrow('K.npy: shape (0, 4) has a zero-sized dimension');
    expect(() => asAttentionTensor(arr([2, 3, 0]), 'K.npy')).toThrow(/zero-sized/);
  });

  it('reports non-finite values: how many and the first index', () => {
    // NumPy fixture: a 2×3 array with NaN at [0, 2] and Infinity at [1, 1]
    expect(() => asAttentionTensor(parseNpy(fixture('non-finite.npy')), 'Q.npy'))
      .toThrow('Q.npy: 2 non-finite values (NaN or ±Infinity), the first at [0, 2]');
    const one = arr([2, 2, 2]);
    one.data[6] = -Infinity;
    expect(() => asAttentionTensor(one, 'V.npy')).toThrow('V.npy: 1 non-finite value (NaN or ±Infinity), the first at [1, 1, 0]');
  });
});
