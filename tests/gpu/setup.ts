// Shared by the GPU tests: one Dawn device for the whole test process. No adapter is a
// loud failure with instructions, never a skip.
import { openNodeGpu } from '../../src/gpu/node';
import type { Gpu } from '../../src/gpu/gpu';

export async function testGpu(): Promise<Gpu> {
  try {
    return await openNodeGpu();
  } catch (e) {
    throw new Error(`GPU tests need a WebGPU adapter and none was found.\n${(e as Error).message}`);
  }
}
