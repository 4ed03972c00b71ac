import { lazy, Suspense } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { AuthProvider, useAuth } from './lib/auth';
import { Shell } from './components/shell';
import { Skeleton } from './components/common';
import { SignInPage } from './pages/sign-in';
import { prefetchForPathname } from './pages/replay/session-prefetch';
import ReplayPage from './pages/replay/replay-page';

// Every page but the replay is its own chunk: the first paint only needs the shell and the
// sign-in form, and recharts lives in the chunks of the pages that chart. The replay is in the
// entry chunk (about 19 kB gzip; its charts stay lazy): a link to a session is what people open
// from alerts and chat, and a lazy route costs its first paint a chunk round trip plus React's
// Suspense reveal throttle (~300 ms) — together about half of the time to its first rows.
const SessionsPage = lazy(() => import('./pages/sessions/sessions-page'));
const CostsPage = lazy(() => import('./pages/costs/costs-page'));
const CostModelPage = lazy(() => import('./pages/cost-model/cost-model-page'));
const BudgetsPage = lazy(() => import('./pages/budgets/budgets-page'));
const SettingsPage = lazy(() => import('./pages/settings-page'));
const ReviewsPage = lazy(() => import('./pages/reviews/reviews-page'));
const ReviewItemPage = lazy(() => import('./pages/reviews/review-item-page'));
const CalibrationPage = lazy(() => import('./pages/calibration/calibration-page'));

function RequireAuth({ children }: { children: React.ReactNode }) {
  const { me } = useAuth();
  const loc = useLocation();
  if (me === undefined) return <Skeleton rows={12} />;
  if (me === null) return <Navigate to={`/sign-in?next=${encodeURIComponent(loc.pathname + loc.search)}`} replace />;
  // Rendered for every signed-in location before the lazy page (signed in: no request that would
  // only answer 401): a replay's first request starts here, alongside its route chunk, instead of
  // after React reveals the page.
  prefetchForPathname(loc.pathname);
  return <>{children}</>;
}

function Protected() {
  return (
    <RequireAuth>
      <Shell>
        <Suspense fallback={<Skeleton rows={14} />}>
          <Routes>
            <Route path="/" element={<Navigate to="/sessions" replace />} />
            <Route path="/sessions" element={<SessionsPage />} />
            <Route path="/sessions/:id" element={<ReplayPage />} />
            <Route path="/costs" element={<CostsPage />} />
            <Route path="/cost-model" element={<CostModelPage />} />
            <Route path="/budgets" element={<BudgetsPage />} />
            <Route path="/reviews" element={<ReviewsPage />} />
            <Route path="/reviews/:id" element={<ReviewItemPage />} />
            <Route path="/calibration" element={<CalibrationPage />} />
            <Route path="/settings" element={<SettingsPage />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </Shell>
    </RequireAuth>
  );
}

function NotFound() {
  return (
    <div className="empty">
      <h3>No page here</h3>
      <p className="muted">
        Go to <a href="/sessions">Sessions</a>.
      </p>
    </div>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <AuthProvider>
        <Routes>
          <Route path="/sign-in" element={<SignInPage />} />
          <Route path="*" element={<Protected />} />
        </Routes>
      </AuthProvider>
    </BrowserRouter>
  );
}
