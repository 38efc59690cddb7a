// The per-token-tile CAST kernels (logits.wgsl, mix.wgsl): BT tokens of one head a
// workgroup, one invocation each (unit g = h·tiles + tile), with the rows of CT clusters at a
// time (CT·DMAX ≤ 4096 floats) staged in workgroup memory. DMAX (≥ the row width, a power of
// two) and CT are specialized by the host; BT is LOGIT_TOKENS and MIX_TOKENS in
// src/attention/cast/sizes.ts.

const DMAX: u32 = 64u; // @specialize
const D4: u32 = DMAX / 4u;
const CT: u32 = 64u; // @specialize (CT·DMAX ≤ 4096)
const BT: u32 = 64u;

// the token of an invocation: head h, index i (i ≥ N past the last token: a dead invocation)
struct TileToken {
  h: u32,
  i: u32,
}

fn tileToken(g: u32, t: u32) -> TileToken {
  return TileToken(g / P.tiles, (g % P.tiles) * BT + t);
}
