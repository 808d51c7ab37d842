// A page's live connection and the problems it can run into, said so a person can act.
//
// live() keeps a websocket open: it reconnects with backoff (0.5 s doubling to 10 s, ±25 %
// jitter, so many pages do not reconnect in step) unless the page's onClose says stop.
// A socket that closes before it opened failed its handshake, and a browser cannot see
// that HTTP status: live() then asks GET /v1/me, so a wrong, expired or revoked token
// (401) stops with a sign-in problem instead of "reconnecting…" forever, and the page's
// check() can tell a permission problem (403) from a passing outage.
import { t, tf, onLang } from './i18n.js';
import { $, el, api, token, signedIn, sessionLost } from './common.js';

export function live(o) {
  let ws = null;
  let attempt = 0;
  let timer = null;
  let stopped = false;
  const state = (s) => o.onState && o.onState(s);

  function url() {
    const u = new URL(o.path, location.href);
    u.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    if (token()) u.searchParams.set('token', token());
    for (const [k, v] of Object.entries(o.query ? o.query() : {})) if (v !== '' && v != null) u.searchParams.set(k, String(v));
    return u.href;
  }

  function open() {
    clearTimeout(timer);
    if (stopped) return;
    state(attempt === 0 ? 'connecting' : 'retry');
    let opened = false;
    const s = new WebSocket(url());
    ws = s;
    s.onopen = () => { opened = true; state('open'); if (o.onOpen) o.onOpen(); };
    s.onmessage = (m) => {
      attempt = 0;
      let ev;
      try { ev = JSON.parse(m.data); } catch { return; }
      o.onEvent(ev);
    };
    s.onclose = async (e) => {
      if (ws !== s) return;
      ws = null;
      if (stopped) { state('closed'); return; }
      let next = o.onClose ? o.onClose(e.code, e.reason, opened) : 'retry';
      if (next === 'retry' && !opened) {
        const p = await diagnose(o.check);
        if (p) { if (o.onProblem) o.onProblem(p); next = 'stop'; }
      }
      if (next === 'stop' || stopped) { stopped = true; state('closed'); return; }
      // 1013 (too slow) and the like: at once, the page asks for what it missed
      const base = next === 'now' ? 200 : Math.min(10000, 500 * 2 ** attempt);
      attempt++;
      state('retry');
      timer = setTimeout(open, base * (0.75 + Math.random() * 0.5));
    };
  }

  open();
  return {
    // stop closes the socket for good.
    stop() { stopped = true; clearTimeout(timer); if (ws) ws.close(); },
    // restart opens it again after a stop (e.g. "wait again").
    restart() { stopped = false; attempt = 0; if (!ws) open(); },
  };
}

// whoAmI asks GET /v1/me: {status, me}; status 0 when the server cannot be reached.
export async function whoAmI() {
  try {
    const res = await api('/v1/me');
    if (res.status === 401) sessionLost();
    return { status: res.status, me: res.ok ? await res.json() : null };
  } catch {
    return { status: 0, me: null };
  }
}

// diagnose turns a failed handshake into a problem, or null when retrying may help.
export async function diagnose(check) {
  const w = await whoAmI();
  if (w.status === 401) return { kind: 'signin' };
  if (w.status !== 200) return null;
  return check ? check(w.me) : null;
}

// who names a principal from /v1/me as the problem sentences do: "agent A17",
// "supervisor of team red".
export function who(me) {
  if (!me) return '';
  if (me.role === 'agent') return me.agent ? tf('err.who.agent', { agent: me.agent }) : t('err.who.anyagent');
  const base = t('err.who.' + me.role);
  return (me.teams || []).length ? base + ' ' + tf('err.who.teams', { teams: me.teams.join(', ') }) : base;
}

// forbidden is the problem of a principal that may not do what (an err.what.* key).
export function forbidden(me, what, vars = {}) {
  return { kind: 'forbidden', me, what, vars };
}

let shown = null;

// showProblem puts p in the page's #problem banner (role=alert); null hides it. action is
// an optional {key, run} button ("Wait again").
export function showProblem(p, action) {
  shown = p ? { p, action } : null;
  renderProblem();
}

function renderProblem() {
  const box = $('#problem');
  if (!box) return;
  // What the page would show behind a problem is empty or wrong ("no live calls"): the
  // stylesheet hides it while the problem stands.
  if (shown) document.body.dataset.problem = shown.p.kind;
  else delete document.body.dataset.problem;
  if (!shown) { box.hidden = true; box.replaceChildren(); return; }
  const { p, action } = shown;
  const v = p.vars || {};
  let title;
  let text;
  switch (p.kind) {
    case 'signin':
      title = t('err.signin.t');
      text = signedIn() ? t('err.signin') : t('err.notoken');
      break;
    case 'forbidden':
      title = t('err.forbidden.t');
      text = tf('err.forbidden', { who: who(p.me), what: tf('err.what.' + p.what, v) });
      break;
    case 'notallowed': {
      title = t('err.notallowed.t');
      const why = /outside/.test(v.reason || '') ? t('err.why.teams') : t('err.why.assigned');
      text = tf('err.notallowed', { call: v.call, why });
      break;
    }
    case 'nostart':
      title = t('err.nostart.t');
      text = tf('err.nostart', { call: v.call });
      break;
    case 'ended':
      title = t('err.ended.t');
      text = tf('ag.endednote', { when: v.when || '' });
      break;
    default:
      title = p.kind;
      text = p.text || '';
  }
  box.dataset.kind = p.kind;
  const parts = [el('b', { text: title }), ' ', el('span', { 'data-role': 'problem-text', text })];
  if (action) {
    const b = el('button', { type: 'button', 'data-testid': 'problem-action', text: t(action.key) });
    b.addEventListener('click', () => { showProblem(null); action.run(); });
    parts.push(' ', b);
  }
  box.replaceChildren(...parts);
  box.hidden = false;
}

onLang(renderProblem);
