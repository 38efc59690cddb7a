// CoRe's recomputations are dispatched indirectly, one workgroup per row queued by `coreSlide`
// (stream.wgsl). The queue's length lives in the stream's counters (ST[4]); WebGPU forbids a
// buffer to be the indirect argument of a dispatch that also binds it for writing, so this
// one-invocation kernel copies the length into a separate arguments buffer (x, 1, 1).

@group(0) @binding(0) var<storage, read> ST: array<u32>;
@group(0) @binding(1) var<storage, read_write> ARGS: array<u32>;

@compute @workgroup_size(1)
fn main() {
  ARGS[0] = ST[4];
  ARGS[1] = 1u;
  ARGS[2] = 1u;
}
