// NumPy .npy files: the "file" workload's reader (the user's own Q, K, V) and a writer for
// exporting inputs and outputs. Format: numpy/lib/format.py (NEP 1):
//
//   magic "\x93NUMPY" · major · minor · header length (uint16 LE for 1.0, uint32 LE for
//   2.0 and 3.0) · header · data
//
// The header is a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// padded with spaces and ended by '\n'; it is latin-1 in versions 1.0/2.0 and UTF-8 in 3.0.
// Only what attention inputs need is supported: little-endian float32 / float64 in C order.
// Every error is one line, prefixed with the file's name when one is given.

export interface NpyArray {
  dtype: 'float32' | 'float64';
  shape: number[];
  data: Float32Array | Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** true on little-endian hosts (every platform browsers run on, but checked, not assumed) */
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A shape as Python prints a tuple: (), (5,), (3, 4). */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

// ---------------------------------------------------------------------------------------
// A parser for the Python literals that appear in .npy headers: dicts, tuples, lists,
// strings, integers (Python 2's "3L" too), True, False, None.

type PyValue = string | number | boolean | null | PyTuple | PyValue[] | PyDict;
interface PyTuple {
  tuple: PyValue[];
}
interface PyDict {
  dict: Map<string, PyValue>;
}

class HeaderSyntaxError extends Error {}

class PyLiteralParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseAll(): PyValue {
    const value = this.value();
    this.skipSpace();
    if (this.pos < this.text.length) this.fail(`unexpected '${this.text[this.pos]}'`);
    return value;
  }

  private fail(what: string): never {
    throw new HeaderSyntaxError(`${what} at character ${this.pos} of the header`);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  /** consumes `ch` (after spaces) if it is next */
  private eat(ch: string): boolean {
    this.skipSpace();
    if (this.text[this.pos] === ch) {
      this.pos++;
      return true;
    }
    return false;
  }

  private value(): PyValue {
    this.skipSpace();
    const ch = this.text[this.pos];
    if (ch === undefined) this.fail('unexpected end');
    if (ch === '{') return this.dict();
    if (ch === '(') return this.sequence(')');
    if (ch === '[') return this.sequence(']');
    if (ch === "'" || ch === '"') return this.string();
    if (/[-+0-9]/.test(ch)) return this.integer();
    for (const [word, v] of [['True', true], ['False', false], ['None', null]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    return this.fail(`unexpected '${ch}'`);
  }

  private dict(): PyDict {
    this.pos++; // '{'
    const dict = new Map<string, PyValue>();
    while (!this.eat('}')) {
      const key = this.value();
      if (typeof key !== 'string') this.fail('a dict key that is not a string');
      if (!this.eat(':')) this.fail("expected ':'");
      dict.set(key, this.value());
      if (!this.eat(',')) {
        if (!this.eat('}')) this.fail("expected ',' or '}'");
        break;
      }
    }
    return { dict };
  }

  /** a tuple "(…)" or a list "[…]"; "(x)" without a comma is just x, as in Python */
  private sequence(close: ')' | ']'): PyValue {
    this.pos++; // '(' or '['
    const items: PyValue[] = [];
    let sawComma = false;
    while (!this.eat(close)) {
      items.push(this.value());
      if (this.eat(',')) {
        sawComma = true;
      } else {
        if (!this.eat(close)) this.fail(`expected ',' or '${close}'`);
        break;
      }
    }
    if (close === ']') return items;
    if (items.length === 1 && !sawComma) return items[0];
    return { tuple: items };
  }

  private string(): string {
    const quote = this.text[this.pos++];
    let out = '';
    for (;;) {
      const ch = this.text[this.pos++];
      if (ch === undefined) this.fail('unterminated string');
      if (ch === quote) return out;
      if (ch === '\\') {
        const esc = this.text[this.pos++];
        if (esc === undefined) this.fail('unterminated string');
        out += esc === 'n' ? '\n' : esc === 't' ? '\t' : esc;
      } else {
        out += ch;
      }
    }
  }

  private integer(): number {
    const m = /^[-+]?\d+[lL]?/.exec(this.text.slice(this.pos));
    if (!m) this.fail('a malformed number');
    this.pos += m[0].length;
    return Number(m[0].replace(/[lL]$/, ''));
  }
}

// ---------------------------------------------------------------------------------------

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/**
 * Parses a .npy file. Supports format versions 1.0, 2.0 and 3.0, little-endian float32
 * ('<f4') and float64 ('<f8'), C order. When the data is suitably aligned (the usual case:
 * numpy aligns it to 64 bytes) the returned array is a view of `bytes`' buffer, with no copy;
 * otherwise the data is copied.
 * @param name the file's name, used as the prefix of error messages ("Q.npy: …")
 * @throws Error with a one-line message naming the problem
 */
export function parseNpy(bytes: Uint8Array, name?: string): NpyArray {
  const fail = (msg: string): never => {
    throw new Error(name ? `${name}: ${msg}` : msg);
  };

  // magic string
  for (let i = 0; i < MAGIC.length; i++) {
    if (i >= bytes.length) {
      return i === 0 ? fail('not a .npy file (the file is empty)') : fail('truncated header (the file ends inside the magic string)');
    }
    if (bytes[i] !== MAGIC[i]) return fail('not a .npy file (bad magic: it does not start with "\\x93NUMPY")');
  }
  if (bytes.length < 8) return fail('truncated header (no format version)');
  const major = bytes[6];
  const minor = bytes[7];
  if (!((major === 1 || major === 2 || major === 3) && minor === 0)) {
    return fail(`unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  }

  // header
  const lenBytes = major === 1 ? 2 : 4;
  const headerStart = 8 + lenBytes;
  if (bytes.length < headerStart) return fail('truncated header (no header length)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = headerStart + headerLen;
  if (bytes.length < dataStart) {
    return fail(`truncated header (it should be ${headerLen} bytes, the file has ${bytes.length - headerStart})`);
  }
  const headerBytes = bytes.subarray(headerStart, dataStart);
  let headerText: string;
  if (major === 3) {
    try {
      headerText = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
    } catch {
      return fail('malformed header (not valid UTF-8)');
    }
  } else {
    headerText = latin1(headerBytes);
  }

  let header: PyValue;
  try {
    header = new PyLiteralParser(headerText).parseAll();
  } catch (e) {
    if (e instanceof HeaderSyntaxError) return fail(`malformed header: ${e.message}`);
    throw e;
  }
  if (header === null || typeof header !== 'object' || !('dict' in header)) {
    return fail('malformed header: it is not a dict');
  }
  const fields = header.dict;
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!fields.has(key)) fail(`malformed header: no '${key}' entry`);
  }

  // dtype
  const descr = fields.get('descr');
  if (typeof descr !== 'string') {
    return fail('structured dtypes (a record descr) are not supported: use float32 or float64');
  }
  let dtype: NpyArray['dtype'];
  let itemSize: number;
  if (descr === '<f4' || descr === '<f8') {
    dtype = descr === '<f4' ? 'float32' : 'float64';
    itemSize = descr === '<f4' ? 4 : 8;
  } else if (descr === '|f4' || descr === '|f8' || descr === '=f4' || descr === '=f8') {
    return fail(`dtype '${descr}' is not valid for a float: it needs an explicit byte order, e.g. '<${descr.slice(1)}'`);
  } else if (descr === '>f4' || descr === '>f8') {
    return fail(`big-endian dtype '${descr}' is not supported: save little-endian data, e.g. a.astype('<${descr.slice(1)}')`);
  } else {
    return fail(`dtype '${descr}' is not supported: use float32 or float64`);
  }

  // memory order
  const fortran = fields.get('fortran_order');
  if (typeof fortran !== 'boolean') return fail("malformed header: 'fortran_order' is not True or False");
  if (fortran) {
    return fail('Fortran-order arrays (fortran_order: True) are not supported: save np.ascontiguousarray(a)');
  }

  // shape
  const shapeValue = fields.get('shape');
  const dims = typeof shapeValue === 'number'
    ? null
    : Array.isArray(shapeValue)
      ? shapeValue
      : shapeValue !== null && typeof shapeValue === 'object' && 'tuple' in shapeValue
        ? shapeValue.tuple
        : null;
  if (!dims || !dims.every((x): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) {
    return fail("malformed header: 'shape' is not a tuple of non-negative integers");
  }
  const shape = dims.slice();
  let count = 1;
  for (const dim of shape) count *= dim;
  if (!Number.isSafeInteger(count * itemSize)) return fail(`shape ${formatShape(shape)} is too large`);

  // data
  const expected = count * itemSize;
  const actual = bytes.length - dataStart;
  if (actual !== expected) {
    return fail(
      `data size does not match the shape: ${formatShape(shape)} ${dtype} needs ${expected} bytes, ` +
        `the file has ${actual}${actual < expected ? ' (truncated?)' : ''}`,
    );
  }
  const Ctor = dtype === 'float32' ? Float32Array : Float64Array;
  const byteOffset = bytes.byteOffset + dataStart;
  let data: Float32Array | Float64Array;
  if (HOST_LITTLE_ENDIAN && byteOffset % itemSize === 0) {
    data = dtype === 'float32'
      ? new Float32Array(bytes.buffer, byteOffset, count)
      : new Float64Array(bytes.buffer, byteOffset, count);
  } else if (HOST_LITTLE_ENDIAN) {
    // misaligned: copy into a fresh (aligned) buffer
    data = new Ctor(bytes.slice(dataStart, dataStart + expected).buffer);
  } else {
    data = new Ctor(count);
    for (let i = 0; i < count; i++) {
      data[i] = itemSize === 4
        ? view.getFloat32(dataStart + 4 * i, true)
        : view.getFloat64(dataStart + 8 * i, true);
    }
  }
  return { dtype, shape, data };
}

/**
 * Writes a .npy file (format 1.0, little-endian, C order): '<f4' for a Float32Array, '<f8'
 * for a Float64Array. The header is padded with spaces so that the data starts at a
 * multiple of 64 bytes, and ends with '\n', as numpy writes it.
 * @throws RangeError when the shape is not non-negative integers or its product is not
 *   data.length
 */
export function writeNpy(data: Float32Array | Float64Array, shape: number[]): Uint8Array {
  if (!shape.every((x) => Number.isSafeInteger(x) && x >= 0)) {
    throw new RangeError(`writeNpy: shape ${formatShape(shape)} is not a list of non-negative integers`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new RangeError(`writeNpy: shape ${formatShape(shape)} holds ${count} values, the data has ${data.length}`);
  }
  const itemSize = data instanceof Float32Array ? 4 : 8;
  const dict = `{'descr': '<f${itemSize}', 'fortran_order': False, 'shape': ${formatShape(shape)}, }`;
  const preamble = 10; // magic (6) + version (2) + uint16 header length (2)
  const total = Math.ceil((preamble + dict.length + 1) / 64) * 64;
  const headerLen = total - preamble;
  if (headerLen > 0xffff) throw new RangeError('writeNpy: the header is too long for format 1.0');
  const header = dict + ' '.repeat(headerLen - dict.length - 1) + '\n';

  const out = new Uint8Array(total + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, headerLen, true);
  for (let i = 0; i < header.length; i++) out[preamble + i] = header.charCodeAt(i);
  if (HOST_LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  } else {
    for (let i = 0; i < data.length; i++) {
      if (itemSize === 4) view.setFloat32(total + 4 * i, data[i], true);
      else view.setFloat64(total + 8 * i, data[i], true);
    }
  }
  return out;
}

/**
 * Reads an attention input (Q, K or V) from a parsed .npy: shape N×d (one head) or H×N×d.
 * float32 data is widened to float64; float64 data is returned as is (not copied).
 * @param name the file's name, used as the prefix of error messages ("K.npy: …")
 * @throws Error for another rank, a zero-sized dimension or non-finite values
 */
export function asAttentionTensor(
  a: NpyArray,
  name: string,
): { heads: number; n: number; d: number; data: Float64Array } {
  const { shape } = a;
  if (shape.length !== 2 && shape.length !== 3) {
    throw new Error(`${name}: expected shape N×d or H×N×d, got ${formatShape(shape)}`);
  }
  if (shape.some((x) => x === 0)) {
    throw new Error(`${name}: shape ${formatShape(shape)} has a zero-sized dimension`);
  }
  const [heads, n, d] = shape.length === 3 ? shape : [1, shape[0], shape[1]];

  let bad = 0;
  let first = -1;
  for (let i = 0; i < a.data.length; i++) {
    if (!Number.isFinite(a.data[i])) {
      if (bad === 0) first = i;
      bad++;
    }
  }
  if (bad > 0) {
    // the first bad element's index in the file's own shape
    const index: number[] = [];
    let rest = first;
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      index.unshift(rest % shape[axis]);
      rest = Math.floor(rest / shape[axis]);
    }
    throw new Error(
      `${name}: ${bad} non-finite value${bad === 1 ? '' : 's'} (NaN or ±Infinity), the first at [${index.join(', ')}]`,
    );
  }
  const data = a.data instanceof Float64Array ? a.data : new Float64Array(a.data);
  return { heads, n, d, data };
}
