// Device loss: a run whose device is lost is retried once on a fresh device, the user is told,
// and a second loss is reported as an error rather than retried forever.
import { describe, it, expect } from 'vitest';
import { GpuHost } from '../../src/gpu/gpu';
import { openDevice } from '../../src/gpu/node';
import { GpuError } from '../../src/gpu/errors';
import { runOne } from '../../src/bench/runner';

describe('device loss', () => {
  it('re-creates the device and retries the run once, with a notice', async () => {
    const notices: string[] = [];
    const host = new GpuHost(openDevice, (m) => notices.push(m));
    const first = await host.get();
    let attempts = 0;
    const value = await host.run('a test run', async (gpu) => {
      attempts++;
      if (attempts === 1) {
        gpu.device.destroy();
        await gpu.lost;
        // what a kernel submission on a lost device surfaces as
        return gpu.scoped('work', async () => 1);
      }
      return 42;
    });
    expect(value).toBe(42);
    expect(attempts).toBe(2);
    expect(notices).toEqual(['The GPU device was lost during a test run; re-created it and retrying once.']);
    const second = await host.get();
    expect(second).not.toBe(first);
    expect(second.isLost).toBe(false);
  });

  it('a loss on the retry too is an error, not a loop', async () => {
    const host = new GpuHost(openDevice);
    let attempts = 0;
    const err = await host
      .run('doomed', async (gpu) => {
        attempts++;
        gpu.device.destroy();
        await gpu.lost;
        return gpu.scoped('work', async () => 1);
      })
      .catch((e) => e);
    expect(attempts).toBe(2);
    expect(err).toBeInstanceOf(GpuError);
    expect((err as GpuError).kind).toBe('lost');
  });

  it('the runner works on the re-created device', async () => {
    const host = new GpuHost(openDevice);
    (await host.get()).device.destroy();
    const r = await runOne(host, { variant: 'exact', run: { n: 20, d: 4, heads: 1, causal: false, workload: 'gaussian', seed: 1, logitScale: 1 } }, { trials: 1, warmup: 0, map: 'none' });
    expect(r.status, r.message).toBe('ok');
    expect(r.errors!.relFro).toBeLessThan(1e-5);
  });
});
