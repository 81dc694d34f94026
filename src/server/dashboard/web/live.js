/**
 * Live updates: one EventSource on /dashboard/api/events for the whole app,
 * opened after sign-in and closed at sign-out. Pages subscribe to event
 * names; each handler gets the parsed data. After a reconnect every
 * subscriber of the name `resync` is called, since events sent while the
 * stream was down are lost and the page must re-fetch.
 *
 * The browser reconnects by itself after a network drop; when the stream is
 * closed for good (server restart answering 401, a proxy error) this module
 * retries with a growing delay, and the app checks whether the session
 * still exists.
 */
import { useEffect, useRef, useState } from 'preact/hooks';

const EVENTS = ['message', 'verification', 'gateway', 'inbound', 'webhook', 'phone', 'mailbox'];
const subscribers = new Set();
const statusListeners = new Set();
let source = null;
let status = 'off';
let retryTimer = null;
let retryDelay = 1000;
let everOpen = false;
let onClosed = () => {};

function setStatus(s) {
  if (s === status) return;
  status = s;
  for (const fn of statusListeners) fn(s);
}

function dispatch(type, data) {
  for (const sub of subscribers) if (sub.types.includes(type)) sub.fn(data, type);
}

/** Opens the stream (idempotent). `closed` is called when the server ended it for good. */
export function connect({ closed } = {}) {
  if (closed) onClosed = closed;
  if (source) return;
  clearTimeout(retryTimer);
  setStatus(everOpen ? 'reconnecting' : 'connecting');
  const es = new EventSource('/dashboard/api/events');
  source = es;
  es.onopen = () => {
    retryDelay = 1000;
    const resync = everOpen;
    everOpen = true;
    setStatus('live');
    if (resync) dispatch('resync', { resync: true });
  };
  es.onerror = () => {
    if (es.readyState === EventSource.CLOSED) {
      source = null;
      setStatus('reconnecting');
      onClosed();
      retryTimer = setTimeout(() => connect(), retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    } else {
      setStatus('reconnecting');
    }
  };
  for (const type of EVENTS) {
    es.addEventListener(type, (e) => {
      let data;
      try {
        data = JSON.parse(e.data);
      } catch {
        return;
      }
      dispatch(type, data);
    });
  }
}

export function disconnect() {
  clearTimeout(retryTimer);
  source?.close();
  source = null;
  everOpen = false;
  setStatus('off');
}

/** Subscribes `fn(data, type)` to the event names in `types`; returns the unsubscribe function. */
export function subscribe(types, fn) {
  const sub = { types, fn };
  subscribers.add(sub);
  return () => subscribers.delete(sub);
}

/** The stream's state ('off' | 'connecting' | 'live' | 'reconnecting'), re-rendering on change. */
export function useLiveStatus() {
  const [s, set] = useState(status);
  useEffect(() => {
    statusListeners.add(set);
    set(status);
    return () => statusListeners.delete(set);
  }, []);
  return s;
}

/**
 * Calls `fn(data, type)` for each event of `types` while the component is
 * mounted; the latest `fn` is used, so it may close over fresh state.
 */
export function useLive(types, fn) {
  const ref = useRef(fn);
  ref.current = fn;
  const key = types.join(',');
  useEffect(() => subscribe(key.split(','), (d, t) => ref.current(d, t)), [key]);
}

/**
 * Re-runs `reload` (debounced by `wait` ms) after each event of `types` for
 * which `relevant(data, type)` holds, and after every reconnect.
 */
export function useLiveReload(types, reload, { wait = 300, relevant = () => true } = {}) {
  const timer = useRef(null);
  const reloadRef = useRef(reload);
  reloadRef.current = reload;
  useEffect(() => () => clearTimeout(timer.current), []);
  useLive([...types, 'resync'], (data, type) => {
    if (type !== 'resync' && !relevant(data, type)) return;
    clearTimeout(timer.current);
    timer.current = setTimeout(() => reloadRef.current(), wait);
  });
}
