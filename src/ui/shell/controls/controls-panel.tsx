// The left column: the variant picker and every knob, generated from `runParams` and the
// selected variant's `params` — a new variant's controls appear here without UI code.
import { variants } from '../../../attention/registry';
import { runParams } from '../../../bench/run-params';
import type { ParamSpec } from '../../../params/schema';
import { configOf, fieldId, FILE_DECIDED } from '../../../state/config';
import { pageOptions } from '../../../state/page-options';
import { fileNamesInUse, nameForPick } from '../../../state/param-files';
import { playgroundStore, usePlayground } from '../../../state/store';
import { DataLoader } from './data-loader';
import { ExtraNotes, isNote } from '../../common/extra-notes';
import { ParamControl } from './param-control';

/** Whether `?hide=` names this control (by param name or URL key). */
function hidden(spec: ParamSpec): boolean {
  const hide = pageOptions().hide;
  return hide.has(spec.name.toLowerCase()) || hide.has(spec.urlKey.toLowerCase());
}

/** DOM id of a generated control. */
const controlId = (group: 'run' | 'param', name: string) => `control-${group}-${name}`;

export function ControlsPanel() {
  const variantId = usePlayground((s) => s.variantId);
  const runRaw = usePlayground((s) => s.runRaw);
  const paramRaw = usePlayground((s) => s.paramRaw);
  const setVariant = usePlayground((s) => s.setVariant);
  const setRunValue = usePlayground((s) => s.setRunValue);
  const setParamValue = usePlayground((s) => s.setParamValue);
  const userData = usePlayground((s) => s.userData);
  const files = usePlayground((s) => s.files);
  const config = configOf({ variantId, runRaw, paramRaw, userData, files });
  const hideVariant = pageOptions().hide.has('variant');
  const hideData = pageOptions().hide.has('data');
  const fileDecided = (name: string) => Boolean(userData) && (FILE_DECIDED as readonly string[]).includes(name);
  const shownValue = (name: string) => {
    if (!userData) return runRaw[name] ?? '';
    if (name === 'n') return String(userData.n);
    if (name === 'd') return String(userData.d);
    if (name === 'heads') return String(userData.heads);
    return runRaw[name] ?? '';
  };
  const variant = config.variant;
  const ownRaw = paramRaw[variantId] ?? {};
  // a file-type parameter holds the picked file's name; the bytes are kept in the store under it
  const pickFile = (spec: ParamSpec, file: { name: string; bytes: Uint8Array } | undefined) => {
    const store = playgroundStore().getState();
    const previous = store.paramRaw[variantId]?.[spec.name] ?? '';
    const others = fileNamesInUse(store.paramRaw, { variantId, name: spec.name });
    const name = file ? nameForPick(store.files, file.name, file.bytes, others) : '';
    if (file) store.setFile(name, file.bytes);
    setParamValue(spec.name, name);
    // the previous file goes when no other parameter holds it
    if (previous && previous !== name && !others.has(previous)) store.setFile(previous, undefined);
  };

  return (
    <form className="controls" aria-label="Run configuration" onSubmit={(e) => e.preventDefault()}>
      <div className="field" hidden={hideVariant}>
        <label htmlFor="control-variant">Variant</label>
        <select id="control-variant" value={variantId} aria-describedby="control-variant-help" onChange={(e) => setVariant(e.target.value)}>
          {variants.map((v) => (
            <option key={v.id} value={v.id}>
              {v.label}
            </option>
          ))}
        </select>
        <p className="field-help" id="control-variant-help">
          {variant.summary}
        </p>
      </div>

      {/* problems and notes of the whole configuration, high up where they are seen */}
      <ExtraNotes notes={config.notes.filter(isNote)} label={`Notes on this ${variant.label} configuration`} />

      {config.runErrors.length > 0 && (
        <div className="validation" role="alert" data-testid="validation">
          <p>This configuration cannot run:</p>
          <ul>
            {config.runErrors.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
        </div>
      )}

      <fieldset>
        <legend>Problem</legend>
        {runParams.filter((spec) => !hidden(spec)).map((spec) => (
          <ParamControl
            key={spec.name}
            spec={spec}
            id={controlId('run', spec.name)}
            raw={shownValue(spec.name)}
            error={config.fieldErrors[fieldId('run', spec.name)]}
            disabled={fileDecided(spec.name)}
            note={fileDecided(spec.name) ? 'Set by your files.' : undefined}
            onChange={(raw) => setRunValue(spec.name, raw)}
          />
        ))}
      </fieldset>

      {!hideData && <DataLoader />}

      {variant.params.some((p) => !hidden(p)) && (
        <fieldset>
          <legend>{variant.label}</legend>
          {variant.params.filter((spec) => !hidden(spec)).map((spec) => (
            <ParamControl
              key={`${variant.id}.${spec.name}`}
              spec={spec}
              id={controlId('param', spec.name)}
              raw={ownRaw[spec.name] ?? ''}
              error={config.fieldErrors[fieldId('param', spec.name)]}
              onChange={(raw) => setParamValue(spec.name, raw)}
              fileSize={spec.type === 'file' ? files.get(ownRaw[spec.name] ?? '')?.length : undefined}
              onFile={spec.type === 'file' ? (file) => pickFile(spec, file) : undefined}
            />
          ))}
        </fieldset>
      )}
    </form>
  );
}
