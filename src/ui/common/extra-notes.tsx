// Notes a variant attaches to a configuration or a run (Extra of kind 'note'): information,
// or a warning the user should read before trusting the numbers.
import type { Extra } from '../../attention/types';

type Note = Extract<Extra, { kind: 'note' }>;

export function isNote(x: Extra): x is Note {
  return x.kind === 'note';
}

export function ExtraNotes({ notes, label }: { notes: readonly Note[]; label: string }) {
  if (notes.length === 0) return null;
  return (
    <ul className="extra-notes" aria-label={label}>
      {notes.map((n) => (
        <li key={`${n.id}:${n.text}`} className={`extra-note tone-${n.tone ?? 'info'}`}>
          <span className="extra-note-tone">{n.tone === 'warning' ? 'Warning' : 'Note'}:</span> {n.text}
        </li>
      ))}
    </ul>
  );
}
