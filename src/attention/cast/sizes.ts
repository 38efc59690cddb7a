// CAST's workgroup tile sizes, which the cost model (variant.ts) reads as well as the plan:
// kept apart from plan.ts so that the registry loads no WGSL until a CAST plan is made.

/** member rows per intra-cluster workgroup (BR in intra.wgsl) */
export const INTRA_ROWS = 64;
/** tokens per mixing workgroup (BT in mix.wgsl) */
export const MIX_TOKENS = 64;
/** tokens per logits workgroup (BT in logits.wgsl) */
export const LOGIT_TOKENS = 64;
