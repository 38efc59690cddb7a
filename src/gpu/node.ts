// Node entry to the GPU layer: Dawn's `webgpu` package. Used by the CLI and the GPU tests.
// Facts that matter (docs/spec/webgpu-here.md):
// - Without a GPU, Dawn finds SwiftShader's Vulkan ICD only through VK_ICD_FILENAMES.
// - The object returned by create(), the adapter and the device must stay referenced for the
//   life of the process, or Dawn crashes later in its event processing.
// - Timestamps are quantized to 64 µs unless that Dawn feature is disabled.
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { GpuError } from './errors';
import { GpuHost, openGpu, type Gpu } from './gpu';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

const keepAlive: unknown[] = ((globalThis as { __dawnKeepAlive?: unknown[] }).__dawnKeepAlive ??= []);
let opened: Promise<Gpu> | undefined;
let api: { gpu: GPU; userAgent: string } | undefined;

export const NO_ADAPTER_HELP =
  'No WebGPU adapter found. On a machine without a GPU, install Debian\'s chromium (apt-get install -y chromium libvulkan1), ' +
  `which ships the SwiftShader Vulkan driver at ${SWIFTSHADER_ICD}; the tests and CLI point VK_ICD_FILENAMES at it. ` +
  'With a GPU, install its Vulkan driver and loader (libvulkan1).';

/** Opens (once per process) the Dawn device. Throws a GpuError with instructions when there is no adapter. */
export function openNodeGpu(): Promise<Gpu> {
  opened ??= openDevice();
  return opened;
}

/** A host whose first device is openNodeGpu()'s and which opens a new one after a loss. */
export function nodeGpuHost(onNotice?: (message: string) => void): GpuHost {
  let first = true;
  return new GpuHost(() => {
    if (first) {
      first = false;
      return openNodeGpu();
    }
    return openDevice();
  }, onNotice);
}

/** A new Dawn device (not the shared one): for device-loss recovery and its tests. */
export async function openDevice(): Promise<Gpu> {
  const { gpu, userAgent } = loadDawn();
  try {
    return await openGpu(gpu, { userAgent, keep: keepAlive });
  } catch (e) {
    if (e instanceof GpuError && e.kind === 'unsupported') throw new GpuError('unsupported', NO_ADAPTER_HELP);
    throw e;
  }
}

function loadDawn(): { gpu: GPU; userAgent: string } {
  if (api) return api;
  if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && !process.env.PLAYGROUND_REAL_GPU && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  if (!process.env.XDG_RUNTIME_DIR) {
    const dir = join(tmpdir(), `xdg-${process.getuid?.() ?? 0}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  }
  const require = createRequire(import.meta.url);
  let webgpu: { create(flags: string[]): GPU; globals: Record<string, unknown> };
  try {
    webgpu = require('webgpu');
  } catch (e) {
    throw new GpuError('unsupported', `Cannot load the 'webgpu' package (Dawn for Node): ${(e as Error).message}. Run npm ci.`);
  }
  Object.assign(globalThis, webgpu.globals);
  const gpu = webgpu.create(['disable-dawn-features=timestamp_quantization']);
  keepAlive.push(gpu);
  const version = (require('webgpu/package.json') as { version: string }).version;
  api = { gpu, userAgent: `node ${process.version} / webgpu (Dawn) ${version}` };
  return api;
}
