// CAST SA Top-K control: resets the thresholds and the round state at the start of every
// forward (thresholds accept all, no token has proposed), and after each round decides whether another one runs by rewriting the indirect
// dispatch arguments of `propose` and `select` (select.wgsl): zero workgroups once no
// threshold changed (converged). CTRL = [changed, rounds, converged].

struct Params {
  n: u32, d: u32, dv: u32, heads: u32,
  nc: u32, kappa: u32, mode: u32, affinity: u32,
  group0: u32, groups: u32, tiles: u32, blocks: u32,
  scale: f32, head: u32, row0: u32, base: u32,
  pool: u32, pcols: u32, lanes: u32, dv4: u32,
}

// the folded grids of one round: propose (px, py) and select (sx, sy)
struct Grid {
  px: u32, py: u32, sx: u32, sy: u32,
}

const NONE: u32 = 0xffffffffu;
const INIT: u32 = 0xfffffffeu;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<uniform> G: Grid;
@group(0) @binding(2) var<storage, read_write> THR: array<u32>;
@group(0) @binding(3) var<storage, read_write> CTRL: array<u32>;
@group(0) @binding(4) var<storage, read_write> ARGS: array<u32>;
@group(0) @binding(5) var<storage, read_write> CHOICE: array<u32>;
@group(0) @binding(6) var<storage, read_write> PROP: array<u32>;

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
    ARGS[0] = G.px;
    ARGS[1] = G.py;
    ARGS[2] = 1u;
    ARGS[3] = G.sx;
    ARGS[4] = G.sy;
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
