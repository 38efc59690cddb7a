// Notices: things the user should know that are not errors of the current run — a link with
// an invalid value that fell back to its default, a GPU device that was lost and re-created.
import { usePlayground } from '../../state/store';

export function Notices() {
  const notices = usePlayground((s) => s.notices);
  const dismiss = usePlayground((s) => s.dismissNotice);
  if (notices.length === 0) return null;
  return (
    <ul className="notices" aria-label="Notices" data-testid="notices">
      {notices.map((n) => (
        <li key={n.id} className="notice" role="status">
          <span>{n.text}</span>
          <button type="button" className="notice-dismiss" onClick={() => dismiss(n.id)} aria-label={`Dismiss notice: ${n.text}`}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
