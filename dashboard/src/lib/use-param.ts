import { useCallback } from 'react';
import { useSearchParams } from 'react-router';

/**
 * The page's URL parameters and a setter for one of them: an empty value removes it, and the
 * change replaces the history entry (a filter tweak is not a page to go back to).
 */
export function useParamSetter(): [URLSearchParams, (key: string, value: string) => void] {
  const [params, setParams] = useSearchParams();
  const set = useCallback(
    (key: string, value: string) =>
      setParams(
        (p) => {
          const n = new URLSearchParams(p);
          if (value) n.set(key, value);
          else n.delete(key);
          return n;
        },
        { replace: true },
      ),
    [setParams],
  );
  return [params, set];
}
