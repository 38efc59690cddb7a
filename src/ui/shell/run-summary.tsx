// One line naming the configuration the panels below show — after an edit, the controls may
// already say something else while the next run is on its way.
import { findVariant } from '../../attention/registry';
import { runParams } from '../../bench/run-params';
import { formatValue, type ParamSpec, type ParamValues } from '../../params/schema';
import { usePlayground } from '../../state/store';

/** `name = value`, booleans as on/off */
function describe(spec: ParamSpec, values: ParamValues): string {
  const v = values[spec.name];
  return `${spec.name} = ${typeof v === 'boolean' ? (v ? 'on' : 'off') : formatValue(v)}`;
}

export function RunSummary() {
  const result = usePlayground((s) => s.lastResult);
  if (!result) return null;
  const variant = findVariant(result.variant);
  const parts = [
    variant?.label ?? result.variant,
    ...(variant?.params ?? []).filter((p) => p.type !== 'file').map((p) => describe(p, result.params)),
    ...runParams.map((p) => describe(p, result.run)),
  ];
  return (
    <p className="run-summary" data-testid="run-summary">
      Showing: {parts.join(', ')}
    </p>
  );
}
