// One control generated from a ParamSpec: int/float → a number input (plus a powers-of-two
// slider where the spec says `scale: 'log'`), bool → a checkbox, enum → a select, file → a
// file picker whose bytes go to the store (the parameter holds the file's name). The visible
// <label> names the control (tests find it by role and accessible name), the help text and
// any validation message sit under it and describe it.
import type { ParamSpec } from '../../../params/schema';
import { formatBytes } from '../../common/format';

export interface ParamControlProps {
  spec: ParamSpec;
  /** DOM id of the main control (unique on the page) */
  id: string;
  /** the raw value (what parseValue reads) */
  raw: string;
  /** this field's validation message, if any */
  error?: string;
  /** the control shows a value it does not decide (e.g. N while the user's files are loaded) */
  disabled?: boolean;
  /** a line under the help text (why the control is disabled) */
  note?: string;
  onChange(raw: string): void;
  /** file params: the size of the file the page holds under `raw` (undefined: none) */
  fileSize?: number;
  /** file params: a file was picked (its name and bytes), or cleared (undefined) */
  onFile?(file: { name: string; bytes: Uint8Array } | undefined): void;
}

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 6 });

/** Exponent range of the powers-of-two slider for a log-scale spec. */
function log2Range(min: number, max: number): [number, number] {
  return [Math.ceil(Math.log2(Math.max(min, Number.MIN_VALUE))), Math.floor(Math.log2(max))];
}

export function ParamControl({ spec, id, raw, error, disabled, note, onChange, fileSize, onFile }: ParamControlProps) {
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const describedBy = error ? `${helpId} ${errorId}` : helpId;
  const footer = (
    <>
      <p className="field-help" id={helpId}>
        {spec.help}
        {(spec.type === 'int' || spec.type === 'float') && (
          <span className="field-range">
            {' '}
            Range {numberFormat.format(spec.min)} … {numberFormat.format(spec.max)}.
          </span>
        )}
        {note && <span className="field-note"> {note}</span>}
      </p>
      {error && (
        <p className="field-error" id={errorId} role="alert">
          {error}
        </p>
      )}
    </>
  );

  switch (spec.type) {
    case 'bool':
      return (
        <div className="field field-bool">
          <div className="field-row">
            <input
              id={id}
              type="checkbox"
              checked={raw === '1' || raw === 'true'}
              aria-describedby={describedBy}
              disabled={disabled}
              aria-invalid={error ? true : undefined}
              onChange={(e) => onChange(e.target.checked ? '1' : '0')}
            />
            <label htmlFor={id}>{spec.label}</label>
          </div>
          {footer}
        </div>
      );
    case 'enum':
      return (
        <div className="field">
          <label htmlFor={id}>{spec.label}</label>
          <select
            id={id}
            value={raw}
            aria-describedby={describedBy}
            disabled={disabled}
            aria-invalid={error ? true : undefined}
            onChange={(e) => onChange(e.target.value)}
          >
            {/* keep an unknown value visible (it fails validation) rather than silently showing the first option */}
            {!spec.options.some((o) => o.value === raw) && <option value={raw}>{raw || '(none)'}</option>}
            {spec.options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
          {footer}
        </div>
      );
    case 'int':
    case 'float': {
      const log = spec.scale === 'log';
      const [lo, hi] = log2Range(spec.min, spec.max);
      const current = Number(raw);
      const exponent = Number.isFinite(current) && current > 0 ? Math.round(Math.log2(current)) : Math.round(Math.log2(spec.default));
      const sliderValue = Math.min(hi, Math.max(lo, exponent));
      return (
        <div className="field">
          <label htmlFor={id}>{spec.label}</label>
          <div className="field-row">
            <input
              id={id}
              className="field-number"
              type="number"
              inputMode={spec.type === 'int' ? 'numeric' : 'decimal'}
              step={spec.type === 'int' ? 1 : 'any'}
              min={spec.min}
              max={spec.max}
              value={raw}
              aria-describedby={describedBy}
              disabled={disabled}
              aria-invalid={error ? true : undefined}
              onChange={(e) => onChange(e.target.value)}
            />
            {log && (
              <input
                className="field-slider"
                type="range"
                disabled={disabled}
                min={lo}
                max={hi}
                step={1}
                value={sliderValue}
                // named after the param's code name, not its label, so that finding the
                // number input by its label stays unambiguous
                aria-label={`${spec.name}: power-of-two slider`}
                aria-valuetext={numberFormat.format(2 ** sliderValue)}
                onChange={(e) => onChange(String(2 ** Number(e.target.value)))}
              />
            )}
          </div>
          {footer}
        </div>
      );
    }
    case 'file': {
      const linkId = `${id}-link`;
      const pick = async (input: HTMLInputElement) => {
        const file = input.files?.[0];
        // the picker shows what is held below: cleared, so that picking the same file again reloads it
        input.value = '';
        if (file) onFile?.({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) });
      };
      return (
        <div className="field field-file">
          <label htmlFor={id}>{spec.label}</label>
          <div className="field-row">
            <input
              id={id}
              type="file"
              aria-describedby={`${describedBy} ${linkId}`}
              disabled={disabled}
              aria-invalid={error ? true : undefined}
              onChange={(e) => void pick(e.currentTarget)}
            />
            {raw && (
              // named after the param's code name, not its label, so that finding the picker by its label stays unambiguous
              <button type="button" className="small" aria-label={`${spec.name}: clear the file`} disabled={disabled} onClick={() => onFile?.(undefined)}>
                Clear
              </button>
            )}
          </div>
          <p className="field-file-held" data-testid={`${id}-held`}>
            {raw ? (
              <>
                <span className="mono">{raw}</span>
                {fileSize !== undefined ? ` (${formatBytes(fileSize)})` : ' (not loaded in this page)'}
              </>
            ) : (
              'No file.'
            )}
          </p>
          <p className="field-help field-link-note" id={linkId}>
            A file picked here stays in this page: it is not part of a shared link (whoever opens the link picks it again).
          </p>
          {footer}
        </div>
      );
    }
  }
}
