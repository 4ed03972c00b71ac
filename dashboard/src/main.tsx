import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { adoptEarlyFirstPage } from './pages/replay/session-prefetch';
import './styles.css';

// For bench/dashboard/replay-profile.mjs: when the bundle started running.
performance.mark('cairn:main');
// Opened on a replay: its first page is already requested (index.html); the router takes it.
adoptEarlyFirstPage(location.pathname);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
