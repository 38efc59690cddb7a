// The user's own Q, K, V: which dropped file is which tensor, and whether three tensors fit
// together (pure functions; src/ui/shell/controls/data-loader.tsx reads the files in the CPU worker).
import type { NpyTensor } from './cpu-worker';
import type { UserData } from './store';

export type Slot = 'q' | 'k' | 'v';

/** Which tensor a file name is (q, k or v), from a lone letter in its base name; undefined if unclear. */
export function slotOfName(name: string): Slot | undefined {
  const base = name.replace(/\.npy$/i, '').toLowerCase();
  const found = new Set<Slot>();
  for (const m of base.matchAll(/(?:^|[^a-z])([qkv])(?=$|[^a-z])/g)) found.add(m[1] as Slot);
  if (found.size === 1) return [...found][0];
  for (const [slot, word] of [['q', 'query'], ['k', 'key'], ['v', 'value']] as const) if (base.includes(word)) return slot;
  return undefined;
}

/** Checks that three tensors fit together; returns the user data or a one-line error. */
export function combine(t: Record<Slot, NpyTensor>): UserData | { error: string } {
  const { q, k, v } = t;
  const dims = (x: NpyTensor) => `${x.heads}×${x.n}×${x.d}`;
  if (q.heads !== k.heads || q.n !== k.n || q.d !== k.d) return { error: `Q and K must have the same shape: ${q.name} is ${dims(q)}, ${k.name} is ${dims(k)} (H×N×d)` };
  if (v.heads !== q.heads || v.n !== q.n) return { error: `V must have Q's heads and length: ${q.name} is ${dims(q)}, ${v.name} is ${dims(v)} (H×N×d)` };
  return { name: q.name, files: [q.name, k.name, v.name], heads: q.heads, n: q.n, d: q.d, dv: v.d, q: q.data, k: k.data, v: v.data };
}
