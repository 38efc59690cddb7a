// Browser entry to the GPU layer: navigator.gpu.
import { GpuError } from './errors';
import { GpuHost, openGpu } from './gpu';

export const NO_WEBGPU_HELP =
  'This browser does not expose WebGPU. Use a recent Chrome or Edge (113+), Safari 26+, or Firefox 141+ on Windows; ' +
  'on Linux, Chrome needs chrome://flags/#enable-unsafe-webgpu (and #enable-vulkan).';

export function hasWebGpu(): boolean {
  return typeof navigator !== 'undefined' && 'gpu' in navigator && !!navigator.gpu;
}

/** A host over navigator.gpu that re-opens the device after a loss. */
export function browserGpuHost(onNotice?: (message: string) => void): GpuHost {
  return new GpuHost(async () => {
    if (!hasWebGpu()) throw new GpuError('unsupported', NO_WEBGPU_HELP);
    return openGpu(navigator.gpu, { userAgent: navigator.userAgent });
  }, onNotice);
}
