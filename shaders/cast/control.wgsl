// CAST SA Top-K control: resets the thresholds and the round state at the start of every
// forward (thresholds accept all, no token has proposed), and after each round decides
// whether another one runs by rewriting the indirect dispatch arguments of `propose` and
// `select` (select.wgsl): zero workgroups once no threshold changed (converged).
// CTRL = [changed, rounds, converged]; the round's folded grids are P.px, P.py (propose) and
// P.sx, P.sy (select).

#include "cast/params.wgsl"

@group(0) @binding(1) var<storage, read_write> THR: array<u32>;
@group(0) @binding(2) var<storage, read_write> CTRL: array<u32>;
@group(0) @binding(3) var<storage, read_write> ARGS: array<u32>;
@group(0) @binding(4) var<storage, read_write> CHOICE: array<u32>;
@group(0) @binding(5) var<storage, read_write> PROP: array<u32>;

@compute @workgroup_size(256)
fn init(@builtin(local_invocation_index) t: u32) {
  for (var x = t; x < P.heads * P.nc; x += 256u) {
    THR[2u * x] = 0u;
    THR[2u * x + 1u] = NONE;
    PROP[x] = 0u;
  }
  for (var x = t; x < P.heads * P.n; x += 256u) {
    CHOICE[x] = INIT;
  }
  if (t == 0u) {
    CTRL[0] = 0u;
    CTRL[1] = 0u;
    CTRL[2] = 0u;
    ARGS[0] = P.px;
    ARGS[1] = P.py;
    ARGS[2] = 1u;
    ARGS[3] = P.sx;
    ARGS[4] = P.sy;
    ARGS[5] = 1u;
  }
}

@compute @workgroup_size(1)
fn advance() {
  if (ARGS[0] != 0u) {
    CTRL[1] += 1u; // a round ran
    if (CTRL[0] == 0u) {
      CTRL[2] = 1u; // ... and changed nothing: converged, stop
      ARGS[0] = 0u;
      ARGS[3] = 0u;
    }
  }
  CTRL[0] = 0u;
}
