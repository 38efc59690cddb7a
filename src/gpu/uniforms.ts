// Packing of flat WGSL uniform structs made of u32/i32/f32 scalars (4 bytes each, in
// declaration order, padded to 16 bytes as uniform buffers require).

export type ScalarType = 'u32' | 'i32' | 'f32';

/** `layout` lists the struct's fields in declaration order; every field must get a value. */
export function packUniform(layout: Record<string, ScalarType>, values: Record<string, number | boolean>): ArrayBuffer {
  const names = Object.keys(layout);
  const buf = new ArrayBuffer(Math.ceil((names.length * 4) / 16) * 16);
  const view = new DataView(buf);
  names.forEach((name, i) => {
    const v = values[name];
    if (v === undefined) throw new Error(`uniform field ${name} has no value`);
    const x = typeof v === 'boolean' ? (v ? 1 : 0) : v;
    const type = layout[name];
    if (type === 'f32') view.setFloat32(i * 4, x, true);
    else {
      if (!Number.isInteger(x)) throw new Error(`uniform field ${name} must be an integer, got ${x}`);
      if (type === 'u32') {
        if (x < 0 || x > 0xffffffff) throw new Error(`uniform field ${name} = ${x} does not fit in u32`);
        view.setUint32(i * 4, x, true);
      } else view.setInt32(i * 4, x, true);
    }
  });
  for (const k of Object.keys(values)) if (!(k in layout)) throw new Error(`uniform has no field ${k}`);
  return buf;
}

/** Smallest power of two ≥ x (and ≥ min). */
export function pow2Bucket(x: number, min = 1): number {
  let b = min;
  while (b < x) b *= 2;
  return b;
}
