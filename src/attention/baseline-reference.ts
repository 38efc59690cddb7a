// The baseline's float64 reference (exact softmax attention), for the CPU work of every run
// (src/bench/cpu-work.ts) — part of the registry layer, so that shared code reaches the
// baseline without importing a variant folder, and a worker bundling it stays small (no plans,
// no kernels). src/attention/registry.ts declares the same variant as `baseline`.
export { exactReference as baselineReference } from './exact/reference';
