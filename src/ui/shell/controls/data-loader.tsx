// "Your data": the user's own Q, K, V as .npy files (N×d or H×N×d, float32 or float64), picked
// one by one or dropped onto the page together (told apart by their names: Q.npy, k_proj.npy,
// layer3-v.npy…). Files are read in the CPU worker; an invalid file gets a message naming it
// and the problem. While files are loaded they decide N, d and the heads.
import { useEffect, useState } from 'react';
import { cpuWorker, type NpyTensor } from '../../../state/cpu-offload';
import { usePlayground } from '../../../state/store';
import { combine, slotOfName, type Slot } from '../../../state/user-data';

const SLOTS: Slot[] = ['q', 'k', 'v'];
const SLOT_LABEL: Record<Slot, string> = { q: 'Q', k: 'K', v: 'V' };

export function DataLoader() {
  const userData = usePlayground((s) => s.userData);
  const setUserData = usePlayground((s) => s.setUserData);
  const [loaded, setLoaded] = useState<Partial<Record<Slot, NpyTensor>>>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [dragging, setDragging] = useState(false);

  const read = async (entries: [Slot, File][]) => {
    setError(undefined);
    setBusy(true);
    try {
      const next = { ...loaded };
      for (const [slot, file] of entries) {
        try {
          next[slot] = await cpuWorker().readNpy(file.name, await file.arrayBuffer());
        } catch (e) {
          delete next[slot];
          setLoaded(next);
          setError((e as Error)?.message ?? String(e));
          return;
        }
      }
      setLoaded(next);
      if (next.q && next.k && next.v) {
        const r = combine(next as Record<Slot, NpyTensor>);
        if ('error' in r) setError(r.error);
        else setUserData(r);
      }
    } finally {
      setBusy(false);
    }
  };

  const readDropped = (files: File[]) => {
    const npy = files.filter((f) => /\.npy$/i.test(f.name));
    const others = files.filter((f) => !/\.npy$/i.test(f.name));
    if (others.length) {
      setError(`${others.map((f) => f.name).join(', ')}: not a .npy file (Q, K and V are read from NumPy .npy files)`);
      return;
    }
    const entries: [Slot, File][] = [];
    const unclear: string[] = [];
    for (const f of npy) {
      const slot = slotOfName(f.name);
      if (slot && !entries.some(([s]) => s === slot)) entries.push([slot, f]);
      else unclear.push(f.name);
    }
    if (unclear.length) {
      setError(`cannot tell which of Q, K, V ${unclear.join(', ')} ${unclear.length > 1 ? 'are' : 'is'}: name the files Q.npy, K.npy, V.npy, or use the Q, K, V pickers`);
      return;
    }
    void read(entries);
  };

  // the whole page is a drop target for .npy files
  useEffect(() => {
    const over = (e: DragEvent) => {
      if (!e.dataTransfer?.types.includes('Files')) return;
      e.preventDefault();
      setDragging(true);
    };
    const leave = (e: DragEvent) => {
      if (e.relatedTarget === null) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      if (!e.dataTransfer?.files.length) return;
      e.preventDefault();
      setDragging(false);
      readDropped([...e.dataTransfer.files]);
    };
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  });

  const clear = () => {
    setUserData(undefined);
    setLoaded({});
    setError(undefined);
  };

  return (
    <fieldset className={`data-loader${dragging ? ' dragging' : ''}`} data-testid="data-loader">
      <legend>Your data (.npy)</legend>
      {userData ? (
        <div className="data-using" role="status">
          <p>
            Running on your files <strong>{userData.files.join(', ')}</strong>: H = {userData.heads}, N = {userData.n}, d = {userData.d}
            {userData.dv !== userData.d ? `, d_v = ${userData.dv}` : ''}. They set N, d and the heads; a link does not carry them.
          </p>
          <button type="button" onClick={clear}>
            Use generated data
          </button>
        </div>
      ) : (
        <p className="field-help">
          Drop Q, K and V <code>.npy</code> files anywhere on the page (N×d or H×N×d, float32 or float64), or pick them:
        </p>
      )}
      <div className="npy-pickers">
        {SLOTS.map((slot) => (
          <div className="field npy-picker" key={slot}>
            <label htmlFor={`npy-${slot}`}>{SLOT_LABEL[slot]} file</label>
            <input
              id={`npy-${slot}`}
              type="file"
              accept=".npy"
              onChange={(e) => {
                const f = e.target.files?.[0];
                e.target.value = '';
                if (f) void read([[slot, f]]);
              }}
            />
            <span className="field-help">{loaded[slot] ? `${loaded[slot]!.name} (${loaded[slot]!.heads}×${loaded[slot]!.n}×${loaded[slot]!.d})` : 'none'}</span>
          </div>
        ))}
      </div>
      {busy && <p className="field-help">Reading…</p>}
      {error && (
        <p className="field-error" role="alert" data-testid="npy-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}
