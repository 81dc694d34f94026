/**
 * Pieces every page shares: `html` (htm bound to preact), data loading with
 * errors shown as the server wrote them, times, status badges, bars for
 * tables, and one polite live region for status messages ("Key revoked").
 * Colour is never the only signal: a badge always carries its word.
 */
import { h } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);

/**
 * Loads data with `loader(signal)`; re-runs when `deps` change and on
 * `reload()`. The previous data stays on screen while a reload runs, so a
 * live update does not flicker or move the focus.
 */
export function useData(loader, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const ctrl = useRef(null);
  const loaderRef = useRef(loader);
  loaderRef.current = loader;
  const reload = useCallback(async () => {
    ctrl.current?.abort();
    const c = new AbortController();
    ctrl.current = c;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await loaderRef.current(c.signal);
      if (!c.signal.aborted) setState({ data, error: null, loading: false });
    } catch (error) {
      if (!c.signal.aborted && error.name !== 'AbortError') setState((s) => ({ ...s, error, loading: false }));
    }
  }, []);
  useEffect(() => {
    reload();
    return () => ctrl.current?.abort();
  }, deps);
  return { ...state, reload, setData: (fn) => setState((s) => ({ ...s, data: fn(s.data) })) };
}

/** A server error as the server worded it (problem+json detail), with its code for searching the docs. */
export function ErrorNote({ error }) {
  if (!error) return null;
  return html`<div class="error" role="alert"><strong>${error.title || 'Error'}</strong>${' '}${error.message}${error.code ? html` <code>${error.code}</code>` : ''}</div>`;
}

let announceSet = null;
/** Says `text` in the shared polite live region (and shows it briefly). */
export const announce = (text) => announceSet?.(text);
export function Announcer() {
  const [text, set] = useState('');
  const t = useRef(null);
  announceSet = (s) => {
    set('');
    clearTimeout(t.current);
    setTimeout(() => set(s), 30);
    t.current = setTimeout(() => set(''), 8000);
  };
  return html`<div class="announce" role="status" aria-live="polite">${text}</div>`;
}

const pad = (n) => String(n).padStart(2, '0');
/** A time shown in the reader's zone: HH:MM:SS today, else with the date; the full ISO time on hover. */
export function Time({ at, withDate }) {
  if (!at) return html`<span class="muted">—</span>`;
  const d = new Date(at);
  const today = new Date().toDateString() === d.toDateString();
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const text = today && !withDate ? time : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
  return html`<time datetime=${at} title=${at}>${text}</time>`;
}

/** "3 s ago", "5 min ago" from an ISO time. */
export function ago(at, now = Date.now()) {
  if (!at) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(at)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** Milliseconds as people read them. */
export function ms(v) {
  if (v === null || v === undefined) return '—';
  if (v < 1000) return `${Math.round(v)} ms`;
  if (v < 60000) return `${(v / 1000).toFixed(1)} s`;
  return `${(v / 60000).toFixed(1)} min`;
}

/** A status as a word on a coloured badge. */
export const Status = ({ s }) => html`<span class="badge s-${s}">${String(s).replace(/_/g, ' ')}</span>`;

/** A horizontal bar for a table cell, its number beside it (the number is what assistive technology reads). */
export function Bar({ value, max }) {
  const pct = max > 0 ? Math.round((value / max) * 100) : 0;
  return html`<span class="bar" aria-hidden="true"><span class="bar-fill" style=${`width:${pct}%`}></span></span><span class="num">${value}</span>`;
}

/** The page's heading; focused after navigation so a screen reader announces the new page. */
export function PageTitle({ children }) {
  const ref = useRef(null);
  useEffect(() => {
    ref.current?.focus({ preventScroll: true });
  }, []);
  return html`<h1 tabindex="-1" ref=${ref}>${children}</h1>`;
}

export const Empty = ({ children }) => html`<p class="empty">${children}</p>`;

/** A "Load more" button for cursor-paged lists. */
export function More({ cursor, onMore, busy }) {
  if (!cursor) return null;
  return html`<p><button type="button" class="secondary" onClick=${onMore} disabled=${busy}>Load more</button></p>`;
}

/** Copies text to the clipboard and says so. */
export async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    announce('Copied to the clipboard');
  } catch {
    announce('Copy failed: select the text and copy it by hand');
  }
}
