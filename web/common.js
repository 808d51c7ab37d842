// Helpers shared by the pages: the token and the browser session, authorised fetch,
// number formatting and small DOM helpers.
import { apply, wireToggle, currentLang } from './i18n.js';

export const params = new URLSearchParams(location.search);

// The token arrives once in the link (?token=…). The page trades it for an HttpOnly
// session cookie (POST /v1/session) and takes it out of the address bar, so it does not
// linger in history, bookmarks, screenshots or shared links; requests and websockets then
// carry the cookie. The token itself stays in memory for this page's life only.
const memToken = params.get('token') || '';
const SESSION_FLAG = 'undertone.session';

export function token() { return memToken; }

// signedIn: a token in the link, or a session made earlier in this tab.
export function signedIn() { return memToken !== '' || sessionStorage.getItem(SESSION_FLAG) === '1'; }

// sessionLost is called when the server answers 401: the cookie expired or was revoked.
export function sessionLost() { sessionStorage.removeItem(SESSION_FLAG); }

export const session = (async () => {
  if (!memToken) return false;
  try {
    const res = await fetch('/v1/session', { method: 'POST', headers: { Authorization: 'Bearer ' + memToken } });
    if (!res.ok) return false;
    sessionStorage.setItem(SESSION_FLAG, '1');
    params.delete('token');
    const q = params.toString();
    history.replaceState(history.state, '', location.pathname + (q ? '?' + q : '') + location.hash);
    return true;
  } catch {
    return false; // the token in memory still works for this page
  }
})();

// api fetches path with the page's token as a Bearer header.
export async function api(path, opts = {}) {
  const headers = new Headers(opts.headers || {});
  if (token()) headers.set('Authorization', 'Bearer ' + token());
  return fetch(path, { ...opts, headers });
}

// pageURL builds a link to another page that carries the token and the language.
export function pageURL(page, extra = {}) {
  const u = new URL(page, location.href);
  if (token() && sessionStorage.getItem(SESSION_FLAG) !== '1') u.searchParams.set('token', token());
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
