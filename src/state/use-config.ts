// The current configuration (variant, parsed knobs, field errors, the page's files), read from
// the store: what the controls and every variant panel derive their view from.
import { usePlayground } from './store';
import { configOf, type Config } from './config';

export function useConfig(): Config {
  const variantId = usePlayground((s) => s.variantId);
  const runRaw = usePlayground((s) => s.runRaw);
  const paramRaw = usePlayground((s) => s.paramRaw);
  const userData = usePlayground((s) => s.userData);
  const files = usePlayground((s) => s.files);
  return configOf({ variantId, runRaw, paramRaw, userData, files });
}
