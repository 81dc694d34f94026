/**
 * Client-side routing on location.pathname with history.pushState. Every
 * same-origin link under /dashboard is followed without a page load (a
 * click with a modifier key, or on a link with a target, is left to the
 * browser); the back and forward buttons work; the query string carries a
 * page's filters so a URL can be shared and reloaded.
 */
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set();
const current = () => ({ path: location.pathname.replace(/\/+$/, '') || '/', search: location.search });

function notify() {
  const loc = current();
  for (const fn of listeners) fn(loc);
}

/** Goes to `url` (a path with an optional query); `replace` keeps the history entry (filters as you type). */
export function navigate(url, { replace = false } = {}) {
  if (url === location.pathname + location.search) return;
  history[replace ? 'replaceState' : 'pushState'](null, '', url);
  notify();
  if (!replace) window.scrollTo(0, 0);
}

addEventListener('popstate', notify);
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest && e.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download') || a.origin !== location.origin || !a.pathname.startsWith('/dashboard')) return;
  e.preventDefault();
  navigate(a.pathname + a.search);
});

/** The current { path, search }, re-rendering on navigation. */
export function useLocation() {
  const [loc, set] = useState(current);
  useEffect(() => {
    listeners.add(set);
    return () => listeners.delete(set);
  }, []);
  return loc;
}

/** The query parameters as an object, and a setter that replaces them in the URL (empty values dropped). */
export function useQuery() {
  const { path, search } = useLocation();
  const params = Object.fromEntries(new URLSearchParams(search));
  const set = (next, opts = { replace: true }) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(next)) if (v) p.set(k, v);
    const s = p.toString();
    navigate(location.pathname + (s ? '?' + s : ''), opts);
  };
  return [params, set, path];
}
