import { useEffect, useState, type ReactNode } from 'react';
import { NavLink } from 'react-router';
import { useAuth } from '../lib/auth';
import { applyTheme, currentTheme, type Theme } from '../lib/theme';

const NAV = [
  { to: '/sessions', label: 'Sessions', key: 's' },
  { to: '/reviews', label: 'Reviews', key: 'r' },
  { to: '/calibration', label: 'Calibration', key: 'k' },
  { to: '/costs', label: 'Costs', key: 'c' },
  { to: '/cost-model', label: 'Cost model', key: 'm' },
  { to: '/budgets', label: 'Budgets & alerts', key: 'b' },
  { to: '/settings', label: 'Settings', key: ',' },
];

export function Shell({ children }: { children: ReactNode }) {
  const { me, signOut } = useAuth();
  const [theme, setTheme] = useState<Theme>(currentTheme);
  useEffect(() => applyTheme(theme), [theme]);

  return (
    <div className="shell">
      <nav className="rail" aria-label="main">
        <div className="brand">
          <svg viewBox="0 0 16 16" width="18" height="18" aria-hidden="true">
            <path d="M3 14h10l-2-4H5zM5 9h6L9.5 5h-3zM6.5 4h3L8 1z" fill="var(--accent)" />
          </svg>
          Cairn
        </div>
        {NAV.map((n) => (
          <NavLink key={n.to} to={n.to} className={({ isActive }) => (isActive ? 'nav active' : 'nav')}>
            {n.label}
          </NavLink>
        ))}
        <div className="rail-foot">
          <div className="project" title={me?.project_id}>
            {me?.project_name}
          </div>
          <div className="muted small mono">{me?.key_prefix}…</div>
          <div className="row gap">
            <button
              type="button"
              className="ghost"
              onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
              title="Toggle theme"
            >
              {theme === 'dark' ? '☀ Light' : '☾ Dark'}
            </button>
            <button type="button" className="ghost" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        </div>
      </nav>
      <main className="main">{children}</main>
    </div>
  );
}
