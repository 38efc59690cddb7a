// Shareable links: the hash carries the variant, the run knobs and the variant's knobs.
import { describe, it, expect } from 'vitest';
import { parseHash, formatHash } from '../../src/state/url';
import { variants } from '../../src/attention/registry';
import { defaults } from '../../src/params/schema';
import { runParams } from '../../src/bench/run-params';

describe('URL hash', () => {
  it('round-trips every variant with its defaults and with changed knobs', () => {
    for (const v of variants) {
      const run = { ...defaults(runParams), n: 77, d: 5, causal: v.supports.causal, workload: 'local', seed: 12, logitScale: 0.25 };
      const params = defaults(v.params);
      const back = parseHash(formatHash(v.id, run, params));
      expect(back.notices, v.id).toEqual([]);
      expect(back.variantId).toBe(v.id);
      expect(back.run).toEqual(run);
      expect(back.params).toEqual(params);
    }
  });

  it('an empty hash gives the defaults; unknown keys are ignored', () => {
    const s = parseHash('');
    expect(s.variantId).toBe(variants[0].id);
    expect(s.run).toEqual(defaults(runParams));
    expect(parseHash('#zzz=1&n=40').notices).toEqual([]);
  });

  it('invalid values and unknown variants fall back with a notice naming them', () => {
    const s = parseHash('#v=warp&n=abc&d=8');
    expect(s.variantId).toBe(variants[0].id);
    expect(s.run.n).toBe(defaults(runParams).n);
    expect(s.run.d).toBe(8);
    expect(s.notices.join('\n')).toMatch(/unknown variant "warp"/);
    expect(s.notices.join('\n')).toMatch(/n must be an integer, got "abc"; using the default/);
  });
});
