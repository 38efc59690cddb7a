// Scheduling a piece of main-thread work (a Plotly draw) in a task of its own after the next
// frame: React's commit and the browser's style and layout of it happen first, in their own
// tasks, so the draw's measurements (Plotly measures labels and titles) do not pay for a
// forced layout of the whole page — one long task becomes several short ones (issue 7).

/** Runs `fn` in its own task after the next frame (or after `fallbackMs` where no frame comes, e.g. a hidden page); returns a cancel. */
export function afterNextFrame(fn: () => void, fallbackMs = 200): () => void {
  let done = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    if (done) return;
    done = true;
    cancel();
    fn();
  };
  const frame = typeof requestAnimationFrame === 'function' ? requestAnimationFrame(() => (timer = setTimeout(run, 0))) : undefined;
  const fallback = setTimeout(run, fallbackMs);
  function cancel() {
    if (frame !== undefined) cancelAnimationFrame(frame);
    if (timer !== undefined) clearTimeout(timer);
    clearTimeout(fallback);
  }
  return () => {
    done = true;
    cancel();
  };
}
