// Sizes shared by the Nyström plan and its cost model, kept free of kernels so the registry
// (and the first page load) does not pull the WGSL in.

/** Split count of the B·V product over N keys (split-K keeps every workgroup's share short). */
export function bvSplits(inner: number): number {
  return Math.max(1, Math.min(64, Math.floor(inner / 512)));
}
