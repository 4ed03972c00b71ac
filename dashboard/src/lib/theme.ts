export type Theme = 'dark' | 'light';

export function currentTheme(): Theme {
  const saved = localStorage.getItem('cairn.theme');
  if (saved === 'dark' || saved === 'light') return saved;
  return window.matchMedia?.('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

export function applyTheme(t: Theme): void {
  document.documentElement.dataset.theme = t;
  localStorage.setItem('cairn.theme', t);
}
