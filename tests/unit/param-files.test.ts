// File-type parameters in the page: the picked file's bytes are kept in the store under the
// name the parameter holds, reach validate and the run's spec as its FileMap, change the
// configuration's key when the bytes change, and never go into a link. A fixture variant with
// a file parameter (registered here only) stands for CAST's surrogates, linear's weights and
// the continual landmarks.
import { describe, expect, it } from 'vitest';
import { findVariant, registerVariant } from '../../src/attention/registry';
import type { AttentionVariant } from '../../src/attention/types';
import { runParams } from '../../src/bench/run-params';
import { defaults, type ParamSpec } from '../../src/params/schema';
import { deriveConfig, fieldId } from '../../src/state/config';
import { fileNamesInUse, nameForPick, paramFiles } from '../../src/state/param-files';
import { createPlaygroundStore, defaultRaw, toRaw } from '../../src/state/store';
import { formatHash, parseHash } from '../../src/state/url';
import { fixtureVariant } from '../fixtures/fixture-mean/variant';

const tableParam: ParamSpec = {
  name: 'table', label: 'Table file', type: 'file', default: '', urlKey: 'fxt', csvColumn: 'fixture_table',
  help: 'A file the fixture reads (its bytes must be in the run\'s files).',
};

const seen: (ReadonlyMap<string, Uint8Array> | undefined)[] = [];
const tableVariant: AttentionVariant = {
  ...fixtureVariant,
  id: 'fixture-table',
  label: 'Fixture with a file parameter (test only)',
  params: [...fixtureVariant.params, tableParam],
  validate(_shape, p, files) {
    seen.push(files);
    const name = String(p.table ?? '');
    if (name && !files?.has(name)) return [`table: the file "${name}" was not given`];
    if (name && files!.get(name)!.length === 0) return ['table: the file is empty'];
    return [];
  },
};
if (!findVariant(tableVariant.id)) registerVariant(tableVariant);

const runRaw = defaultRaw(runParams);
const raw = (table: string) => ({ ...defaultRaw(tableVariant.params), table });

describe('file-type parameters in the page', () => {
  it('no file: no FileMap, and the key is that of the knobs alone', () => {
    const c = deriveConfig(tableVariant.id, runRaw, raw(''), undefined, new Map());
    expect(c.spec).toBeDefined();
    expect(c.spec!.files).toBeUndefined();
    expect(c.key).toBe(JSON.stringify(c.spec));
  });

  it('a picked file reaches validate and the spec by the name the parameter holds; new bytes are a new configuration', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const files = new Map([['t.bin', bytes], ['other.bin', new Uint8Array([9])]]);
    seen.length = 0;
    const c = deriveConfig(tableVariant.id, runRaw, raw('t.bin'), undefined, files);
    expect(c.runErrors).toEqual([]);
    expect(seen.at(-1)?.get('t.bin')).toBe(bytes);
    // only the files the variant's parameters name
    expect([...c.spec!.files!.keys()]).toEqual(['t.bin']);
    expect(c.spec!.params!.table).toBe('t.bin');
    const again = deriveConfig(tableVariant.id, runRaw, raw('t.bin'), undefined, new Map([['t.bin', bytes]]));
    expect(again.key).toBe(c.key);
    const changed = deriveConfig(tableVariant.id, runRaw, raw('t.bin'), undefined, new Map([['t.bin', new Uint8Array([1, 2, 3])]]));
    expect(changed.key).not.toBe(c.key);
    // the variant's own check sees the bytes
    const empty = deriveConfig(tableVariant.id, runRaw, raw('t.bin'), undefined, new Map([['t.bin', new Uint8Array(0)]]));
    expect(empty.runErrors).toEqual(['table: the file is empty']);
  });

  it('a name the page holds no bytes for (a link, a reload) is a field error naming the parameter', () => {
    const c = deriveConfig(tableVariant.id, runRaw, raw('gone.bin'), undefined, new Map());
    expect(c.spec).toBeUndefined();
    expect(c.fieldErrors[fieldId('param', 'table')]).toMatch(/^Table file: "gone\.bin" is not loaded in this page/);
  });

  it('a link names no file: the parameter is written as its default', () => {
    const params = { ...defaults(tableVariant.params), table: 't.bin' };
    const hash = formatHash(tableVariant.id, defaults(runParams), params);
    expect(new URLSearchParams(hash.slice(1)).get('fxt')).toBe('');
    expect(hash).not.toContain('t.bin');
    expect(parseHash(hash).params.table).toBe('');
  });

  it('paramFiles picks the bytes the parameters name', () => {
    const files = new Map([['a', new Uint8Array([1])]]);
    expect([...paramFiles(tableVariant, { table: 'a' }, files).keys()]).toEqual(['a']);
    expect(paramFiles(tableVariant, { table: 'b' }, files).size).toBe(0);
    expect(paramFiles(tableVariant, { table: '' }, files).size).toBe(0);
  });

  it('names in use, and a second file of the same name kept apart', () => {
    const paramRaw = { [tableVariant.id]: raw('a.npy'), unknown: { table: 'x' } };
    expect(fileNamesInUse(paramRaw)).toEqual(new Set(['a.npy']));
    expect(fileNamesInUse(paramRaw, { variantId: tableVariant.id, name: 'table' })).toEqual(new Set());
    const files = new Map([['a.npy', new Uint8Array([1])], ['a.npy (2)', new Uint8Array([2])]]);
    const inUse = new Set(['a.npy', 'a.npy (2)']);
    expect(nameForPick(files, 'a.npy', new Uint8Array([1]), inUse)).toBe('a.npy'); // the same bytes
    expect(nameForPick(files, 'a.npy', new Uint8Array([3]), inUse)).toBe('a.npy (3)');
    expect(nameForPick(files, 'a.npy', new Uint8Array([3]), new Set())).toBe('a.npy'); // nobody else holds it
    expect(nameForPick(files, 'b.npy', new Uint8Array([3]), inUse)).toBe('b.npy');
  });

  it('the store keeps and drops the bytes', () => {
    const store = createPlaygroundStore();
    expect(store.getState().files.size).toBe(0);
    const before = store.getState().files;
    store.getState().setFile('t.bin', new Uint8Array([4]));
    expect(store.getState().files).not.toBe(before); // a new map: selectors see the change
    expect(store.getState().files.get('t.bin')).toEqual(new Uint8Array([4]));
    store.getState().setFile('t.bin', undefined);
    expect(store.getState().files.has('t.bin')).toBe(false);
    expect(toRaw({ table: 't.bin' })).toEqual({ table: 't.bin' });
  });
});
