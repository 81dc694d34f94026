/**
 * The search-and-filter bar of the messages and verifications lists: a
 * search box and selects, each labelled, written to the URL query as they
 * change (typing is debounced) so the filtered list can be reloaded or
 * shared.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './ui.js';

export function Filters({ query, setQuery, searchLabel, searchHint, selects }) {
  const [q, setQ] = useState(query.q || '');
  const timer = useRef(null);
  useEffect(() => setQ(query.q || ''), [query.q]);
  useEffect(() => () => clearTimeout(timer.current), []);
  const typed = (v) => {
    setQ(v);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setQuery({ ...query, q: v.trim() }), 300);
  };
  return html`
    <form class="filters" role="search" onSubmit=${(e) => {
      e.preventDefault();
      clearTimeout(timer.current);
      setQuery({ ...query, q: q.trim() });
    }}>
      <div class="field">
        <label for="f-q">${searchLabel}</label>
        <input id="f-q" type="search" value=${q} onInput=${(e) => typed(e.currentTarget.value)} aria-describedby="f-q-hint" autocomplete="off" spellcheck="false" />
        <small id="f-q-hint" class="muted">${searchHint}</small>
      </div>
      ${selects.map(([name, label, values]) => html`
        <div class="field">
          <label for=${'f-' + name}>${label}</label>
          <select id=${'f-' + name} value=${query[name] || ''} onChange=${(e) => setQuery({ ...query, [name]: e.currentTarget.value })}>
            <option value="">Any</option>
            ${values.map((v) => html`<option value=${v}>${v.replace(/_/g, ' ')}</option>`)}
          </select>
        </div>`)}
      ${Object.values(query).some(Boolean) ? html`<div class="field"><button type="button" class="secondary" onClick=${() => setQuery({})}>Clear filters</button></div>` : ''}
    </form>
  `;
}
