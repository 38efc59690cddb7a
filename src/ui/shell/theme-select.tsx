// Theme: follow the system, or force light or dark (remembered in this browser).
import { setThemeChoice, useThemeChoice, type ThemeChoice } from '../common/use-color-scheme';

export function ThemeSelect() {
  const choice = useThemeChoice();
  return (
    <div className="theme-select">
      <label htmlFor="theme-select">Theme</label>{' '}
      <select id="theme-select" value={choice} onChange={(e) => setThemeChoice(e.target.value as ThemeChoice)}>
        <option value="auto">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </div>
  );
}
