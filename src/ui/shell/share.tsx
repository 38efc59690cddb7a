// Share: the link of this exact view (the URL hash carries every knob, the seed, the workload
// and the open view) with a Copy button, and a copy-paste iframe snippet for slides.
import { useId, useState } from 'react';
import { usePlayground } from '../../state/store';

/** The iframe snippet embedding `url` with the given panels (docs/ui.md, "Embedding"). */
export function embedSnippet(url: string, panels = 'map,error,timing'): string {
  const u = new URL(url);
  u.search = `?embed&panels=${panels}`;
  return `<iframe src="${u.toString()}" title="Attention playground" width="100%" height="640" style="border:0" allow="clipboard-write"></iframe>`;
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

export function SharePanel() {
  const userData = usePlayground((s) => s.userData);
  // re-render when the state (and so the hash) changes
  usePlayground((s) => s.ui);
  usePlayground((s) => s.runRaw);
  usePlayground((s) => s.paramRaw);
  usePlayground((s) => s.variantId);
  const [copied, setCopied] = useState<'link' | 'embed' | 'failed' | undefined>();
  const linkId = useId();
  const embedId = useId();
  const url = location.href;
  const snippet = embedSnippet(url);
  const copy = async (what: 'link' | 'embed') => {
    setCopied((await copyText(what === 'link' ? url : snippet)) ? what : 'failed');
  };
  return (
    <details className="share">
      <summary>Share</summary>
      <div className="share-body">
        <div className="field">
          <label htmlFor={linkId}>Link to this view</label>
          <div className="field-row">
            <input id={linkId} className="share-input" readOnly value={url} onFocus={(e) => e.target.select()} data-testid="share-link" />
            <button type="button" onClick={() => void copy('link')}>
              Copy link
            </button>
          </div>
        </div>
        <div className="field">
          <label htmlFor={embedId}>Embed in slides (iframe)</label>
          <div className="field-row">
            <textarea id={embedId} className="share-input" readOnly rows={3} value={snippet} onFocus={(e) => e.target.select()} />
            <button type="button" onClick={() => void copy('embed')}>
              Copy embed code
            </button>
          </div>
        </div>
        <p className="field-help" role="status">
          {copied === 'link' && 'Link copied. '}
          {copied === 'embed' && 'Embed code copied. '}
          {copied === 'failed' && 'The clipboard is not available here: select the text above and copy it. '}
          {userData && 'Your .npy files are not part of the link: it reproduces the knobs with generated data.'}
        </p>
      </div>
    </details>
  );
}
