// A new variant appears everywhere without a change to shared code: the test fixture
// 'fixture-mean' (tests/fixtures/fixture-mean: uniform attention, an int and an enum knob with
// their own URL keys and CSV columns) is registered with registerVariant, and then shows up in
// the registry, the CLI's `variants` listing, the URL hash, the CSV and the page's generic
// controls. The GPU side (plan, the conformance suite, `cli bench`) is in tests/gpu/contract.test.ts.
//
// The fixture is registered by the FIRST import, before any shared module loads, as a plug-in
// registered at start-up would be (src/bench/rows.ts reads the registry when it loads).
import { fixtureVariant } from '../fixtures/register';
import { describe, it, expect, afterEach, vi } from 'vitest';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { findVariant, getVariant, registerVariant, validateRun, variantParams, variants } from '../../src/attention/registry';
import { FIXTURE_ID, fixtureReference } from '../fixtures/fixture-mean/variant';
import { main } from '../../src/cli/main';
import { formatHash, parseHash } from '../../src/state/url';
import { defaultViewState } from '../../src/state/view-state';
import { defaults } from '../../src/params/schema';
import { runParams } from '../../src/bench/run-params';
import { extraColumns, resultToRow } from '../../src/bench/rows';
import { parseCsv, toCsv } from '../../src/bench/csv';
import type { RunResult } from '../../src/bench/runner';
import { initPlaygroundStore } from '../../src/state/store';
import { ControlsPanel } from '../../src/ui/shell/controls/controls-panel';
import { randomInputs } from '../gpu/harness';

const shape = { n: 9, d: 3, dv: 2, heads: 2, causal: false };

/** Runs the in-process CLI, capturing what it writes to stdout. */
async function cliOut(argv: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
    return true;
  });
  try {
    const code = await main(argv);
    return { code, stdout };
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('fixture variant: registry', () => {
  it('is registered once, after the built-in variants; a second registration is refused', () => {
    expect(findVariant(FIXTURE_ID)).toBe(fixtureVariant);
    expect(variants[variants.length - 1]).toBe(fixtureVariant);
    expect(() => registerVariant(fixtureVariant)).toThrow(/already registered/);
    expect(variantParams(fixtureVariant)).toEqual({ split: 8, order: 'forward' });
    expect(() => variantParams(fixtureVariant, { m: 3 })).toThrow(/no parameter "m" \(it has: split, order\)/);
  });

  it('validateRun applies its schema ranges and its own rules, with messages', () => {
    const p = variantParams(fixtureVariant);
    expect(validateRun(fixtureVariant, shape, p)).toEqual([]);
    expect(validateRun(fixtureVariant, { ...shape, n: 5 }, p)).toEqual(['key chunks = 8 exceeds N = 5: each chunk needs a key (use chunks ≤ N)']);
    expect(validateRun(fixtureVariant, shape, { ...p, split: 0 })).toEqual(['split must be between 1 and 64, got 0']);
    expect(validateRun(fixtureVariant, shape, { ...p, order: 'sideways' })).toEqual(['order must be one of forward, backward, got "sideways"']);
    expect(validateRun(fixtureVariant, { ...shape, causal: true }, p)).toEqual([]);
  });

  it('the float64 reference is the mean of V over the visible keys, its map 1/N (causal 1/(i + 1))', () => {
    for (const causal of [false, true]) {
      const x = randomInputs({ ...shape, causal }, 5);
      const r = fixtureReference(x);
      const { n, dv } = shape;
      const h = 1;
      const i = 4;
      const keys = causal ? i + 1 : n;
      for (let c = 0; c < dv; c++) {
        let s = 0;
        for (let j = 0; j < keys; j++) s += x.v[(h * n + j) * dv + c];
        expect(r.out[(h * n + i) * dv + c]).toBeCloseTo(s / keys, 14);
      }
      const row = Array.from(r.map!.subarray((h * n + i) * n, (h * n + i + 1) * n));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
      expect(row[n - 1]).toBe(causal ? 0 : 1 / n);
      expect(row[0]).toBe(1 / keys);
    }
  });

  it('cost is finite and non-negative, and grows with N', () => {
    const p = variantParams(fixtureVariant);
    const a = fixtureVariant.cost(shape, p);
    const b = fixtureVariant.cost({ ...shape, n: 90 }, p);
    for (const c of [a, b]) for (const x of [c.flops, c.bytes, c.memory]) expect(Number.isFinite(x) && x >= 0).toBe(true);
    expect(b.flops).toBeGreaterThan(a.flops);
  });
});

describe('fixture variant: CLI (in process)', () => {
  it('`variants --json` lists it with both knobs, their URL keys and CSV columns', async () => {
    const r = await cliOut(['variants', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { variants: { id: string; label: string; supports: unknown; params: Record<string, unknown>[] }[] };
    expect(j.variants.map((v) => v.id)).toEqual(variants.map((v) => v.id));
    const f = j.variants.find((v) => v.id === FIXTURE_ID)!;
    expect(f.label).toBe(fixtureVariant.label);
    expect(f.supports).toEqual({ causal: true, map: true });
    expect(f.params).toEqual([
      expect.objectContaining({ name: 'split', type: 'int', default: 8, min: 1, max: 64, urlKey: 'fxs', csvColumn: 'fixture_split' }),
      expect.objectContaining({ name: 'order', type: 'enum', default: 'forward', options: ['forward', 'backward'], urlKey: 'fxo', csvColumn: 'fixture_order' }),
    ]);
  });

  it('`variants` (text) describes it with its --set knobs', async () => {
    const r = await cliOut(['variants']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${FIXTURE_ID} — ${fixtureVariant.label}`);
    expect(r.stdout).toContain('--set split=… (int [1, 64], default 8)');
    expect(r.stdout).toContain('--set order=… (enum {forward|backward}, default forward)');
  });
});

describe('fixture variant: URL hash', () => {
  it('round-trips its knobs under its own URL keys', () => {
    const run = { ...defaults(runParams), n: 77, d: 5, causal: true };
    const params = { split: 5, order: 'backward' };
    const hash = formatHash(FIXTURE_ID, run, params);
    const q = new URLSearchParams(hash.slice(1));
    expect(q.get('v')).toBe(FIXTURE_ID);
    expect(q.get('fxs')).toBe('5');
    expect(q.get('fxo')).toBe('backward');
    const back = parseHash(hash);
    expect(back.notices).toEqual([]);
    expect(back.variantId).toBe(FIXTURE_ID);
    expect(back.run).toEqual(run);
    expect(back.params).toEqual(params);
  });

  it('invalid knob values fall back to the defaults with a notice naming the knob', () => {
    const back = parseHash(`#v=${FIXTURE_ID}&fxs=999&fxo=sideways`);
    expect(back.params).toEqual({ split: 8, order: 'forward' });
    expect(back.notices).toEqual([
      'split must be between 1 and 64, got 999; using the default 8',
      'order must be one of forward, backward, got "sideways"; using the default forward',
    ]);
  });

  it('as a compared variant its changed knobs are written as <id>.<urlKey> and read back', () => {
    const base = variants[0];
    const ui = { ...defaultViewState(base.id, variants.map((v) => v.id)), view: 'compare' as const, compareIds: [base.id, FIXTURE_ID] };
    const hash = formatHash(base.id, defaults(runParams), defaults(base.params), { ui, others: { [FIXTURE_ID]: { split: 3, order: 'forward' } } });
    const q = new URLSearchParams(hash.slice(1));
    expect(q.get(`${FIXTURE_ID}.fxs`)).toBe('3');
    expect(q.has(`${FIXTURE_ID}.fxo`)).toBe(false); // at its default
    const back = parseHash(hash);
    expect(back.notices).toEqual([]);
    expect(back.ui.compareIds).toEqual([base.id, FIXTURE_ID]);
    expect(back.others[FIXTURE_ID]).toEqual({ split: 3 });
  });
});

describe('fixture variant: CSV', () => {
  const result: RunResult = {
    variant: FIXTURE_ID,
    params: { split: 4, order: 'backward' },
    run: { ...defaults(runParams), n: 9, d: 3, heads: 2 },
    shape,
    status: 'ok',
    message: '',
    reference: 'cpu-f64',
    cost: fixtureVariant.cost(shape, { split: 4, order: 'backward' }),
  };

  it('its knobs land in their csvColumns, which are among the extra columns', () => {
    const row = resultToRow(result);
    expect(row.variant).toBe(FIXTURE_ID);
    expect(row.fixture_split).toBe(4);
    expect(row.fixture_order).toBe('backward');
    expect(extraColumns()).toContain('fixture_split');
    expect(extraColumns()).toContain('fixture_order');
  });

  it('a CSV written from its row reads back with those columns', () => {
    const text = toCsv([resultToRow(result)], extraColumns());
    const { columns, rows } = parseCsv(text);
    expect(columns).toContain('fixture_split');
    expect(columns).toContain('fixture_order');
    expect(rows[0].variant).toBe(FIXTURE_ID);
    expect(rows[0].fixture_split).toBe('4');
    expect(rows[0].fixture_order).toBe('backward');
  });
});

describe('fixture variant: the page controls', () => {
  it('the generic controls panel renders its knobs (labels, options, values) and lists it as a variant', () => {
    initPlaygroundStore(parseHash(`#v=${FIXTURE_ID}&n=16&fxs=4&fxo=backward`));
    const html = renderToString(createElement(ControlsPanel));
    expect(html).toContain(`<option value="${FIXTURE_ID}" selected="">${escape(fixtureVariant.label)}</option>`);
    expect(html).toContain(`<legend>${escape(fixtureVariant.label)}</legend>`);
    expect(html).toMatch(/<label for="control-param-split">Key chunks<\/label>/);
    expect(html).toMatch(/<label for="control-param-order">Summation order<\/label>/);
    expect(html).toMatch(/<input id="control-param-split"[^>]*value="4"/);
    expect(html).toContain('Forward (key 0 first)');
    expect(html).toMatch(/<option value="backward" selected="">Backward \(last key first\)<\/option>/);
    expect(html).toContain(escape(fixtureVariant.params[0].help));
  });

  it('its validation message shows in the controls', () => {
    initPlaygroundStore(parseHash(`#v=${FIXTURE_ID}&n=3&fxs=8`));
    const html = renderToString(createElement(ControlsPanel));
    expect(html).toContain('data-testid="validation"');
    expect(html).toContain(escape('key chunks = 8 exceeds N = 3: each chunk needs a key (use chunks ≤ N)'));
  });

  it('the store treats it like any variant', () => {
    const store = initPlaygroundStore();
    store.getState().setVariant(FIXTURE_ID);
    expect(store.getState().variantId).toBe(FIXTURE_ID);
    expect(store.getState().paramRaw[FIXTURE_ID]).toEqual({ split: '8', order: 'forward' });
    expect(getVariant(store.getState().variantId)).toBe(fixtureVariant);
  });
});

/** HTML escaping as React's server renderer does it for text. */
function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
}
