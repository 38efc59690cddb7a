// The playground's pure state logic (issue 7): sweep grids and their analysis, points and the
// Pareto front, CSV pairing, the view state in the URL hash, page options, lecture decks,
// the embed API's state merge, and telling Q, K, V files apart.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { variants, findVariant } from '../../src/attention/registry';
import { runParams } from '../../src/bench/run-params';
import { resultToRow } from '../../src/bench/rows';
import { parseCsv, toCsv } from '../../src/bench/csv';
import { extraColumns } from '../../src/bench/rows';
import type { RunResult } from '../../src/bench/runner';
import { defaults } from '../../src/params/schema';
import { crossoverN, etaSeconds, formatEta, logGrid, logLogSlope, MAX_SWEEP_POINTS } from '../../src/state/sweep';
import { configKey, latestPerConfig, pairCsvs, paretoFront, resultToPoint, rowToPoint } from '../../src/state/points';
import { formatHash, parseHash, VIEW_KEYS } from '../../src/state/url';
import { defaultViewState, parseMapView, formatMapView } from '../../src/state/view-state';
import { parsePageOptions, shows } from '../../src/state/page-options';
import { parseDeck } from '../../src/state/scenes';
import { mergeState } from '../../src/state/embed';
import { combine, slotOfName } from '../../src/state/user-data';

const nSpec = runParams.find((p) => p.name === 'n')!;
if (nSpec.type !== 'int') throw new Error('n must be an int param');

describe('sweep grids', () => {
  it('powers of two in, powers of two out', () => {
    expect(logGrid(nSpec, '64', '512', '4')).toEqual({ values: [64, 128, 256, 512] });
    expect(logGrid(nSpec, '512', '64', '4')).toEqual({ values: [64, 128, 256, 512] });
    expect(logGrid(nSpec, '100', '100', '1')).toEqual({ values: [100] });
  });
  it('rounds int knobs and drops duplicates', () => {
    const g = logGrid({ name: 'm', type: 'int', min: 1, max: 1024 }, '1', '3', '6');
    expect('values' in g && g.values).toEqual([1, 2, 3]);
  });
  it('keeps float knobs as floats', () => {
    const g = logGrid({ name: 'T', type: 'float', min: 0.01, max: 1000 }, '0.1', '10', '3');
    expect('values' in g && g.values).toEqual([0.1, 1, 10]);
  });
  it('says what is wrong', () => {
    expect(logGrid(nSpec, 'x', '512', '4')).toEqual({ error: expect.stringMatching(/start must be a number, got "x"/) });
    expect(logGrid(nSpec, '64', '512', '0')).toEqual({ error: expect.stringMatching(new RegExp(`from 1 to ${MAX_SWEEP_POINTS}`)) });
    expect(logGrid(nSpec, '0', '512', '4')).toEqual({ error: expect.stringMatching(/positive ends/) });
    expect(logGrid({ name: 'm', type: 'int', min: 1, max: 1024 }, '1', '4096', '4')).toEqual({ error: expect.stringMatching(/end 4096 is outside m's range 1 … 1024/) });
  });
});

describe('sweep analysis', () => {
  it('fits the exponent of a power law', () => {
    const pts = [64, 128, 256, 512].map((x) => ({ x, y: 3 * x ** 1.5 }));
    expect(logLogSlope(pts)).toBeCloseTo(1.5, 10);
    expect(logLogSlope([{ x: 1, y: 1 }])).toBeUndefined();
    expect(logLogSlope([{ x: 2, y: 1 }, { x: 2, y: 3 }])).toBeUndefined();
  });
  it('finds the crossover N on log–log axes', () => {
    // exact ∝ N², variant ∝ 64·N: equal at N = 64
    const pts = [16, 32, 128, 256].map((n) => ({ n, exactTime: n * n, time: 64 * n }));
    expect(crossoverN(pts)).toEqual({ kind: 'at', n: 64 });
    expect(crossoverN([{ n: 8, exactTime: 2, time: 1 }])).toEqual({ kind: 'always-faster' });
    expect(crossoverN([{ n: 8, exactTime: 1, time: 2 }, { n: 16, exactTime: 3, time: 4 }])).toEqual({ kind: 'never-faster' });
    expect(crossoverN([])).toEqual({ kind: 'unknown' });
    // faster, then slower again at the largest N: not ahead at the end of the range
    expect(crossoverN([{ n: 8, exactTime: 1, time: 2 }, { n: 16, exactTime: 3, time: 1 }, { n: 32, exactTime: 1, time: 2 }]).kind).toBe('never-faster');
  });
  it('estimates the time left', () => {
    expect(etaSeconds(10_000, 2, 6)).toBeCloseTo(20, 10);
    expect(etaSeconds(10_000, 0, 6)).toBeUndefined();
    expect(formatEta(20)).toBe('about 20 s');
    expect(formatEta(600)).toBe('about 10 min');
    expect(formatEta(undefined)).toBe('estimating…');
  });
});

function fakeResult(variant: string, over: Partial<RunResult> & { time?: number; err?: number } = {}): RunResult {
  const v = findVariant(variant)!;
  const { time = 10, err = 1e-3, ...rest } = over;
  return {
    variant,
    params: defaults(v.params),
    run: { ...defaults(runParams), n: 128, d: 16 },
    shape: { n: 128, d: 16, dv: 16, heads: 1, causal: false },
    status: 'ok',
    message: '',
    reference: 'cpu-f64',
    cost: { flops: 1e6, bytes: 1e5, memory: 2048 },
    timing: { samplesMs: [time], medianMs: time, minMs: time, p90Ms: time, source: 'timestamp', repeats: 1 },
    errors: { relFro: err, maxAbs: err, meanCos: 1 },
    bytesAllocated: 4096,
    ...rest,
  };
}

describe('points', () => {
  it('a run and the same run read back from its CSV are the same point', () => {
    for (const v of variants) {
      const r = fakeResult(v.id);
      const fromRun = resultToPoint(r);
      const csv = parseCsv(toCsv([resultToRow(r)], extraColumns()));
      const fromCsv = rowToPoint(csv.rows[0], 'session');
      expect(fromCsv, v.id).toEqual(fromRun);
      expect(fromRun.knobText, v.id).toBe(''); // every knob at its default
      expect(fromRun.memoryBytes).toBe(4096);
      expect(fromRun.timeMs).toBe(10);
    }
  });
  it("a variant's knob named like a required column keeps its value (linear's features)", () => {
    const linear = findVariant('linear');
    if (!linear?.params.some((p) => p.name === 'features')) return; // only where such a knob exists
    const r = fakeResult('linear', { params: { ...defaults(linear.params), features: 48 } });
    r.adapter = { vendor: 'v', architecture: 'a', device: '', description: '', isFallback: true, features: ['timestamp-query'], limits: {}, userAgent: 'ua' };
    expect(resultToPoint(r).knobs.features).toBe('48');
    expect(resultToPoint(r).knobText).toContain('features = 48');
  });
  it('the Pareto front keeps what nothing beats on both time and error', () => {
    const pts = [
      { id: 'a', timeMs: 1, errRelFro: 0.5 },
      { id: 'b', timeMs: 2, errRelFro: 0.1 },
      { id: 'c', timeMs: 3, errRelFro: 0.2 }, // beaten by b
      { id: 'd', timeMs: 10, errRelFro: 1e-7 },
      { id: 'e', timeMs: 5 }, // no error: left out
    ];
    expect(paretoFront(pts).map((p) => p.id)).toEqual(['a', 'b', 'd']);
  });
  it('keeps the latest run of each configuration', () => {
    const a = resultToPoint(fakeResult('exact', { time: 1 }));
    const b = resultToPoint(fakeResult('exact', { time: 2 }));
    const c = resultToPoint(fakeResult('nystrom'));
    expect(configKey(a)).toBe(configKey(b));
    expect(latestPerConfig([a, c, b]).map((p) => p.timeMs)).toEqual([10, 2]);
  });
  it('pairs two CSVs by configuration with B/A ratios', () => {
    const a = [resultToPoint(fakeResult('nystrom', { time: 4 })), resultToPoint(fakeResult('exact', { time: 10, err: 1e-7 }))];
    const b = [resultToPoint(fakeResult('exact', { time: 5, err: 2e-7 }))];
    const pairs = pairCsvs(a, b);
    expect(pairs).toHaveLength(2);
    const exact = pairs.find((p) => p.a?.variant === 'exact')!;
    expect(exact.timeRatio).toBeCloseTo(0.5, 12);
    expect(exact.errRatio).toBeCloseTo(2, 12);
    expect(pairs[0].a?.variant).toBe('exact'); // matched rows first
    const ny = pairs.find((p) => p.a?.variant === 'nystrom')!;
    expect(ny.b).toBeUndefined();
    expect(ny.timeRatio).toBeUndefined();
  });
});

describe('view state in the URL hash', () => {
  it('no param uses a view key as its URL key', () => {
    const keys = [...runParams, ...variants.flatMap((v) => v.params)].map((p) => p.urlKey);
    for (const k of VIEW_KEYS) expect(keys, k).not.toContain(k);
    expect(keys).not.toContain('v');
  });
  it('round-trips the view, the compared variants, the sweep, the map window and the scene', () => {
    const ids = variants.map((v) => v.id);
    const ui = { ...defaultViewState(ids[0], ids), view: 'compare' as const, compareIds: ids.slice(0, 3), mapView: { kind: 'rows' as const, row0: 1024, rows: 256 }, scene: 4 };
    const back = parseHash(formatHash(ids[0], defaults(runParams), defaults(variants[0].params), { ui }));
    expect(back.notices).toEqual([]);
    expect(back.ui.view).toBe('compare');
    expect(back.ui.compareIds).toEqual(ids.slice(0, 3));
    expect(back.ui.mapView).toEqual({ kind: 'rows', row0: 1024, rows: 256 });
    expect(back.ui.scene).toBe(4);

    const sweepUi = { ...ui, view: 'sweep' as const, sweep: { target: 'n', from: '32', to: '2048', steps: '7', variants: ids.slice(0, 2) }, mapView: { kind: 'pooled' as const } };
    const s = parseHash(formatHash(ids[0], defaults(runParams), defaults(variants[0].params), { ui: sweepUi }));
    expect(s.ui.sweep).toEqual(sweepUi.sweep);
    expect(s.ui.mapView).toEqual({ kind: 'pooled' });
  });
  it("keeps the compared variants' own knobs, only those off their defaults", () => {
    const other = variants.find((v) => v.id !== variants[0].id && v.params.some((p) => p.type === 'int'));
    if (!other) return;
    const knob = other.params.find((p) => p.type === 'int')!;
    if (knob.type !== 'int') return;
    const value = knob.default === knob.min ? knob.min + 1 : knob.min;
    const ui = { ...defaultViewState(variants[0].id, variants.map((v) => v.id)), view: 'compare' as const, compareIds: [variants[0].id, other.id] };
    const hash = formatHash(variants[0].id, defaults(runParams), defaults(variants[0].params), { ui, others: { [other.id]: { ...defaults(other.params), [knob.name]: value } } });
    expect(hash).toContain(`${other.id}.${knob.urlKey}=${value}`);
    const back = parseHash(hash);
    expect(back.others[other.id]).toEqual({ [knob.name]: value });
    expect(back.notices).toEqual([]);
  });
  it('invalid view values fall back with a notice naming them', () => {
    const s = parseHash('#view=galaxy&cmp=exact,warp&win=sideways&scene=0');
    expect(s.ui.view).toBe('run');
    expect(s.ui.compareIds).toEqual(['exact']);
    expect(s.ui.mapView).toBeUndefined();
    expect(s.ui.scene).toBeUndefined();
    const text = s.notices.join('\n');
    expect(text).toMatch(/unknown view "galaxy"/);
    expect(text).toMatch(/unknown variant "warp" in the comparison/);
    expect(text).toMatch(/map window "sideways"/);
    expect(text).toMatch(/scene must be a number from 1, got "0"/);
    expect(parseHash('#v=exact&sweep=nonsense').notices.join()).toMatch(/no numeric knob "nonsense"/);
  });
  it('map windows read and write', () => {
    expect(parseMapView('pooled')).toEqual({ kind: 'pooled' });
    expect(parseMapView('run')).toEqual({ kind: 'run' });
    expect(parseMapView('12+34')).toEqual({ kind: 'rows', row0: 12, rows: 34 });
    expect(parseMapView('12+0')).toBeUndefined();
    expect(formatMapView({ kind: 'rows', row0: 5, rows: 6 })).toBe('5+6');
  });
});

describe('page options (query string)', () => {
  it('embed with chosen panels and hidden controls', () => {
    const o = parsePageOptions('?embed&panels=map,timing&hide=seed,ls');
    expect(o.embed).toBe(true);
    expect([...o.panels]).toEqual(['map', 'timing']);
    expect(o.hide.has('seed') && o.hide.has('ls')).toBe(true);
    expect(shows('map', o)).toBe(true);
    expect(shows('error', o)).toBe(false);
    expect(o.notices).toEqual([]);
  });
  it('defaults, unknown panels and a deck', () => {
    expect([...parsePageOptions('?embed').panels]).toEqual(['map', 'error', 'timing']);
    expect(parsePageOptions('?embed&panels=map,bogus').notices.join()).toMatch(/unknown panel bogus/);
    const plain = parsePageOptions('?deck=scenes/tour.json&theme=dark');
    expect(plain.embed).toBe(false);
    expect(shows('error', plain)).toBe(true);
    expect(plain.deck).toBe('scenes/tour.json');
    expect(plain.theme).toBe('dark');
  });
});

describe('lecture decks', () => {
  it('the shipped tour parses, every scene state is clean, and it visits the variants it names', () => {
    const deck = parseDeck(JSON.parse(readFileSync(join(__dirname, '..', '..', 'public', 'scenes', 'tour.json'), 'utf8')), 'tour.json');
    expect(deck.scenes.length).toBeGreaterThan(3);
    const visited = new Set<string>();
    for (const [i, scene] of deck.scenes.entries()) {
      const h = parseHash(scene.state);
      expect(h.notices, `scene ${i + 1}: ${scene.state}`).toEqual([]);
      expect(new URLSearchParams(scene.state).get('v'), `scene ${i + 1} names its variant`).toBe(h.variantId);
      visited.add(h.variantId);
      for (const id of h.ui.compareIds) visited.add(id);
    }
    // the tour was written for these variants; each must still exist and be visited
    for (const id of ['exact', 'fastmax', 'nystrom', 'linear', 'cast', 'cosi', 'core', 'conys']) {
      if (findVariant(id)) expect(visited, id).toContain(id);
    }
  });
  it('names the first problem of a bad deck', () => {
    expect(() => parseDeck([], 'd.json')).toThrow(/d.json: expected an object/);
    expect(() => parseDeck({ scenes: [] })).toThrow(/"scenes" is empty/);
    expect(() => parseDeck({ scenes: [{ caption: 'x' }] })).toThrow(/scene 1 needs a "state"/);
    expect(() => parseDeck({ scenes: [{ state: 'v=exact' }] })).toThrow(/scene 1 needs a "caption"/);
    expect(parseDeck({ scenes: [{ caption: 'c', state: '#v=exact' }] }).scenes[0].state).toBe('v=exact');
  });
});

describe('embed API', () => {
  it('merges a partial state over the current hash', () => {
    expect(mergeState('#v=exact&n=256&d=64', { n: 512, causal: true })).toBe('#v=exact&n=512&d=64&causal=1');
  });
});

describe('your own files', () => {
  it('tells Q, K and V apart by their names', () => {
    expect(slotOfName('Q.npy')).toBe('q');
    expect(slotOfName('layer3_k.npy')).toBe('k');
    expect(slotOfName('v-head0.npy')).toBe('v');
    expect(slotOfName('values.npy')).toBe('v');
    expect(slotOfName('weights.npy')).toBeUndefined();
    expect(slotOfName('q_and_k.npy')).toBeUndefined();
  });
  it('checks that the shapes fit', () => {
    const t = (name: string, heads: number, n: number, d: number) => ({ name, heads, n, d, data: new Float64Array(heads * n * d) });
    const ok = combine({ q: t('Q.npy', 2, 10, 4), k: t('K.npy', 2, 10, 4), v: t('V.npy', 2, 10, 3) });
    expect('error' in ok).toBe(false);
    expect(!('error' in ok) && ok.dv).toBe(3);
    expect(combine({ q: t('Q.npy', 1, 10, 4), k: t('K.npy', 1, 10, 5), v: t('V.npy', 1, 10, 4) })).toEqual({ error: expect.stringMatching(/Q and K must have the same shape: Q.npy is 1×10×4, K.npy is 1×10×5/) });
    expect(combine({ q: t('Q.npy', 1, 10, 4), k: t('K.npy', 1, 10, 4), v: t('V.npy', 1, 9, 4) })).toEqual({ error: expect.stringMatching(/V must have Q's heads and length/) });
  });
});
