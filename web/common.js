// Helpers shared by the pages: the token from the query string, authorised fetch,
// number formatting and small DOM helpers.
import { apply, wireToggle, currentLang } from './i18n.js';

export const params = new URLSearchParams(location.search);

export function token() { return params.get('token') || ''; }

// api fetches path with the page's token as a Bearer header.
export async function api(path, opts = {}) {
  const headers = new Headers(opts.headers || {});
  if (token()) headers.set('Authorization', 'Bearer ' + token());
  return fetch(path, { ...opts, headers });
}

// pageURL builds a link to another page that carries the token and the language.
export function pageURL(page, extra = {}) {
  const u = new URL(page, location.href);
  if (token()) u.searchParams.set('token', token());
  for (const [k, v] of Object.entries(extra)) if (v) u.searchParams.set(k, v);
  u.searchParams.set('lang', currentLang());
  return u.pathname + u.search;
}

export function randomCallID() {
  const b = new Uint8Array(6);
  crypto.getRandomValues(b);
  return 'call-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function $(sel, root = document) { return root.querySelector(sel); }

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

export function fmtSeconds(s) {
  s = Math.max(0, Math.round(s));
  const m = Math.floor(s / 60);
  return m + ':' + String(s % 60).padStart(2, '0');
}

export function fmtTime(v) {
  const d = typeof v === 'number' ? new Date(v) : new Date(v);
  if (isNaN(d)) return '';
  return d.toLocaleTimeString(currentLang() === 'nl' ? 'nl-NL' : 'en-GB');
}

// initPage translates the page and wires the language toggle.
export function initPage() {
  apply();
  const b = document.getElementById('lang-toggle');
  if (b) wireToggle(b);
}
