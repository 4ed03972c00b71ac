import { useEffect, useState, type FormEvent } from 'react';
import { Navigate, useSearchParams } from 'react-router';
import { useAuth } from '../lib/auth';
import { applyTheme, currentTheme } from '../lib/theme';

/** The admin key goes in the POST body once; the server answers with an httpOnly cookie. */
export function SignInPage() {
  const { me, signIn } = useAuth();
  const [params] = useSearchParams();
  const [key, setKey] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => applyTheme(currentTheme()), []);

  const next = params.get('next');
  const target = next && next.startsWith('/') && !next.startsWith('//') ? next : '/sessions';
  if (me) return <Navigate to={target} replace />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(key.trim());
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="sign-in">
      <form onSubmit={(e) => void submit(e)} className="card sign-in-card">
        <h1>Sign in to Cairn</h1>
        <label htmlFor="admin-key">Admin key</label>
        <input
          id="admin-key"
          name="admin-key"
          type="password"
          autoComplete="current-password"
          placeholder="cairn_ak_…"
          autoFocus
          value={key}
          onChange={(e) => setKey(e.target.value)}
        />
        {error ? (
          <div className="error-box" role="alert">
            {error}
          </div>
        ) : null}
        <button type="submit" className="primary" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">
          The first <code>cairn start</code> printed an admin key (<code>cairn_ak_…</code>);{' '}
          <code>cairn keys create --kind admin</code> makes another. It is exchanged for a session cookie and never stored in the
          browser.
        </p>
      </form>
    </div>
  );
}
