import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, onUnauthorized } from '../api/client';
import { dropEarly, takeEarly } from '../api/early';
import type { MeResponse } from '../api/types';

interface AuthValue {
  me: MeResponse | null | undefined; // undefined while checking
  signIn: (key: string) => Promise<void>;
  signOut: () => Promise<void>;
}

const AuthContext = createContext<AuthValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<MeResponse | null | undefined>(undefined);

  useEffect(() => {
    // Any failure (401, or a server that is down) lands on the sign-in page, which reports it.
    // The first check was started by index.html, beside the bundle's download.
    api<MeResponse>('/api/auth/me', { started: takeEarly('/api/auth/me') }).then(setMe, () => {
      dropEarly();
      setMe(null);
    });
    return onUnauthorized(() => setMe(null));
  }, []);

  const signIn = useCallback(async (key: string) => {
    setMe(await api<MeResponse>('/api/auth/login', { method: 'POST', json: { key } }));
  }, []);
  const signOut = useCallback(async () => {
    await api('/api/auth/logout', { method: 'POST', json: {} }).catch(() => undefined);
    setMe(null);
  }, []);

  return <AuthContext.Provider value={{ me, signIn, signOut }}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const v = useContext(AuthContext);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}
