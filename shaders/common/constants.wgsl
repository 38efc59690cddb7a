// Constants every kernel shares.

// "Minus infinity" kept finite: WGSL lets implementations assume there are no infinities, so
// masked scores are NEG and are excluded with select(), never by relying on exp(−∞) = 0.
const NEG: f32 = -3.0e38;
// "No index" marker for u32 slots (e.g. a token that is not a member of a cluster).
const NONE: u32 = 0xffffffffu;
