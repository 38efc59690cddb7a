// Pure parts of the GPU layer: shader specialization, uniform packing, grid folding.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { specialize } from '../../src/gpu/pipelines';
import { packUniform, pow2Bucket } from '../../src/gpu/uniforms';
import { foldGrid } from '../../src/gpu/gpu';
import { GpuError, limitError } from '../../src/gpu/errors';

describe('specialize', () => {
  const src = 'const DMAX: u32 = 64u; // @specialize\nconst S: f32 = 1.0; // @specialize\nconst FIXED: u32 = 3u;\n';
  it('rewrites the value of marked constants only', () => {
    const out = specialize(src, { DMAX: 128, S: 0.5 });
    expect(out).toContain('const DMAX: u32 = 128u; // specialized');
    expect(out).toContain('const S: f32 = 0.5f; // specialized');
    expect(out).toContain('const FIXED: u32 = 3u;');
  });
  it('refuses unknown or unmarked constants and non-integers for integer types', () => {
    expect(() => specialize(src, { FIXED: 4 })).toThrow(/no specializable constant FIXED/);
    expect(() => specialize(src, { NOPE: 4 })).toThrow(/NOPE/);
    expect(() => specialize(src, { DMAX: 1.5 })).toThrow(/must be an integer/);
  });
});

describe('packUniform', () => {
  it('packs fields in order, little-endian, padded to 16 bytes', () => {
    const buf = packUniform({ a: 'u32', b: 'f32', c: 'i32', d: 'u32', e: 'f32' }, { a: 7, b: 0.5, c: -3, d: true, e: 2 });
    expect(buf.byteLength).toBe(32);
    const v = new DataView(buf);
    expect([v.getUint32(0, true), v.getFloat32(4, true), v.getInt32(8, true), v.getUint32(12, true), v.getFloat32(16, true)]).toEqual([7, 0.5, -3, 1, 2]);
  });
  it('names missing, unknown and out-of-range fields', () => {
    expect(() => packUniform({ a: 'u32' }, {})).toThrow(/a has no value/);
    expect(() => packUniform({ a: 'u32' }, { a: 1, b: 2 })).toThrow(/no field b/);
    expect(() => packUniform({ a: 'u32' }, { a: -1 })).toThrow(/does not fit/);
    expect(() => packUniform({ a: 'u32' }, { a: 1.5 })).toThrow(/integer/);
  });
  it('pow2Bucket', () => {
    expect([1, 3, 4, 5, 64, 65, 256].map((x) => pow2Bucket(x, 4))).toEqual([4, 4, 4, 8, 64, 128, 256]);
  });
});

describe('foldGrid', () => {
  it('covers every workgroup with both dimensions within the limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65535 * 65535 }), fc.integer({ min: 1, max: 65535 }), (count, max) => {
        fc.pre(Math.ceil(count / max) <= max);
        const [x, y] = foldGrid(count, max);
        return x >= 1 && y >= 1 && x <= max && y <= max && x * y >= count && (x - 1) * y < count + y;
      }),
    );
  });
  it('stays 1-D when it can and refuses the impossible', () => {
    expect(foldGrid(100, 65535)).toEqual([100, 1]);
    expect(foldGrid(65536, 65535)).toEqual([32768, 2]);
    expect(() => foldGrid(10 * 10 + 1, 10)).toThrow(GpuError);
  });
});

describe('errors', () => {
  it('limit errors say what, how much and which limit, and map to CSV statuses', () => {
    const e = limitError('exact.scores', 4 * 1024 ** 3, 'maxBufferSize', 1024 ** 3);
    expect(e.message).toBe("exact.scores needs 4.00 GiB but this adapter's maxBufferSize is 1.00 GiB");
    expect(e.status).toBe('skipped-limit');
    expect(new GpuError('oom', 'x').status).toBe('skipped-oom');
    expect(new GpuError('validation', 'x').status).toBe('error');
  });
});
