// Agent page. With ?call=ID it follows one call over /v1/ws/calls/{id} — which may be
// opened before the call starts (CTI gives the id at ring time): the server waits, then
// delivers call.started and everything after. Without ?call= it is the agent desk, kept
// open all shift: /v1/ws/agent brings every call routed to the token's agent (or, for
// supervisors and admins, read-only, to ?agent=ID) as the calls come. The desk follows the
// current call, shows a second call that overlaps it (consult, transfer) in its own tab
// and view, and keeps the previous call's summary in front until the next call starts.
// Each call is a view (callview.js); the connection and its problems are conn.js's.
import { t, tf, onLang, apply } from './i18n.js';
import { $, el, api, params, fmtSeconds, fmtTime, initPage } from './common.js';
import { instantiate, createCallView } from './callview.js';
import { live, whoAmI, forbidden, showProblem } from './conn.js';

const callParam = (params.get('call') || '').trim();
const agentParam = (params.get('agent') || '').trim();
const readonlyParam = params.get('readonly') === '1' || params.get('readonly') === 'true';
let conn = 'closed';
const views = new Map(); // call id → view
let viewCount = 0;

function setConn(code) {
  conn = code;
  const c = $('#conn');
  c.dataset.state = code;
  c.textContent = t('conn.' + code);
}

// addView makes a call view from the template; suffix '' keeps the template's ids (the
// one-call page), the desk numbers them.
function addView(id, readonly, suffix, onChange) {
  const root = instantiate($('#call-tpl'), suffix);
  root.hidden = true;
  $('#views').append(root);
  apply(root);
  const v = createCallView({ root, callID: id, readonly, onChange });
  views.set(id, v);
  return v;
}

function whenText(ms) {
  if (!ms) return '';
  const d = new Date(ms);
  return d.toLocaleDateString(document.documentElement.lang === 'nl' ? 'nl-NL' : 'en-GB') + ' ' + fmtTime(ms);
}

// ---- one call ------------------------------------------------------------------------------
function oneCall() {
  const v = addView(callParam, readonlyParam, '');
  v.root.hidden = false;
  document.body.dataset.readonly = String(readonlyParam);
  document.title = 'Undertone · ' + callParam;
  let archived = false;
  const link = live({
    path: '/v1/ws/calls/' + encodeURIComponent(callParam),
    query: () => ({ since: v.seq || '' }),
    onState: setConn,
    onEvent: (ev) => {
      v.handle(ev);
      if (ev.type === 'call.ended') setTimeout(() => { if (!archived) link.stop(); }, 1000);
    },
    onClose(code, reason) {
      switch (code) {
        case 4403: showProblem({ kind: 'notallowed', vars: { call: callParam, reason } }); return 'stop';
        case 4404:
          showProblem({ kind: 'nostart', vars: { call: callParam } }, { key: 'err.waitagain', run: () => link.restart() });
          return 'stop';
        case 4410: // ended long ago: its stored end (with the summary) came first
          archived = true;
          v.root.dataset.archived = 'true';
          v.note(tf('ag.endednote', { when: whenText(v.endedAt) }));
          return 'stop';
        case 1013: return 'now'; // too slow: at once, with since
      }
      return v.state === 'ended' ? 'stop' : 'retry';
    },
    check: async (me) => {
      if (me.role === 'integrator') return forbidden(me, 'pages');
      const res = await api('/v1/calls/' + encodeURIComponent(callParam)).catch(() => null);
      return res && res.status === 403 ? forbidden(me, 'call', { call: callParam }) : null;
    },
    onProblem: (p) => showProblem(p),
  });
  onLang(() => { if (archived) v.note(tf('ag.endednote', { when: whenText(v.endedAt) })); });
}

// ---- the desk ------------------------------------------------------------------------------
const desk = { agent: '', readonly: false, focus: '', pinned: '', epoch: 0, touched: new Map(), tabTimer: null };

async function openDesk() {
  $('#page-title').dataset.i18n = 'ag.desk';
  $('#page-title').textContent = t('ag.desk');
  const w = await whoAmI();
  if (w.status === 401) { showProblem({ kind: 'signin' }); return; }
  if (w.status !== 200) { setConn('retry'); setTimeout(openDesk, 3000); return; } // server unreachable
  const me = w.me;
  if (me.role === 'integrator') { showProblem(forbidden(me, 'pages')); return; }
  let agent = agentParam;
  if (me.role === 'agent' && me.agent) {
    if (agent && agent !== me.agent) { showProblem(forbidden(me, 'desk', { agent })); return; }
    agent = me.agent;
  }
  if (!agent) { showPick(true); return; }
  desk.agent = agent;
  desk.readonly = readonlyParam || me.role !== 'agent';
  document.body.dataset.readonly = String(desk.readonly);
  document.body.dataset.desk = agent;
  document.title = 'Undertone · ' + t('ag.desk') + ' · ' + agent;
  $('#desk-agent').textContent = tf('desk.of', { agent });
  $('#desk').hidden = false;
  renderDesk();
  live({
    path: '/v1/ws/agent',
    query: () => (me.role === 'agent' && me.agent ? {} : { agent }),
    onState: setConn,
    onOpen: () => { desk.epoch++; const e = desk.epoch; setTimeout(() => settle(e), 4000); },
    onEvent: deskEvent,
    onClose: (code) => (code === 1013 ? 'now' : 'retry'),
    check: async (m) => {
      if (m.role === 'agent' && m.agent && agent !== m.agent) return forbidden(m, 'desk', { agent });
      return null;
    },
    onProblem: (p) => showProblem(p),
  });
  previousCall();
}

function deskEvent(ev) {
  if (!ev.call) return;
  let v = views.get(ev.call);
  const fresh = !v;
  if (fresh) v = addView(ev.call, desk.readonly, '-' + (++viewCount), scheduleTabs);
  desk.touched.set(ev.call, desk.epoch);
  v.handle(ev);
  if (fresh && v.state !== 'ended') {
    // The next call has started: the previous calls' summaries make way, it takes the front.
    for (const [id, o] of views) if (id !== ev.call && o.state === 'ended') dropView(id);
    desk.pinned = '';
    desk.focus = ev.call;
  } else if (ev.type === 'call.ended' && desk.focus === ev.call && !desk.pinned) {
    const other = newestLive();
    if (other) desk.focus = other.id; // back to the call still on the line
  }
  if (!desk.focus || !views.has(desk.focus)) desk.focus = pickFocus();
  renderDesk();
}

function dropView(id) {
  const v = views.get(id);
  if (!v) return;
  v.root.remove();
  views.delete(id);
  desk.touched.delete(id);
}

function newestLive() {
  let best = null;
  for (const v of views.values()) if (v.state !== 'ended' && (!best || v.startedAt > best.startedAt)) best = v;
  return best;
}

function pickFocus() {
  if (desk.pinned && views.has(desk.pinned)) return desk.pinned;
  const l = newestLive();
  if (l) return l.id;
  let last = null;
  for (const v of views.values()) if (!last || v.endedAt > last.endedAt) last = v;
  return last ? last.id : '';
}

// settle: after a reconnect the server replays the calls live now; a call that was live
// here and is not among them ended while the desk was away — its stored end says how.
async function settle(epoch) {
  if (epoch !== desk.epoch) return;
  for (const [id, v] of views) {
    if (v.state === 'ended' || desk.touched.get(id) === epoch) continue;
    const res = await api('/v1/calls/' + encodeURIComponent(id)).catch(() => null);
    if (!res || !res.ok) continue;
    const c = await res.json();
    if (c.state !== 'live') deskEvent(storedEnd(c));
  }
}

// storedEnd is a stored call (GET /v1/calls) as the call.ended event its viewers had.
function storedEnd(c) {
  return { type: 'call.ended', call: c.id, ts: Date.parse(c.ended_at || c.started_at), data: {
    reason: c.reason, summary: c.summary, started_at: Date.parse(c.started_at),
    ended_at: c.ended_at ? Date.parse(c.ended_at) : 0, agent: c.agent, source: c.source,
    meta: { team: c.team || '', queue: c.queue || '' } } };
}

// previousCall shows the agent's last ended call when the desk opens between calls.
async function previousCall() {
  const q = new URLSearchParams({ agent: desk.agent, state: 'ended', limit: '1' });
  const res = await api('/v1/calls?' + q).catch(() => null);
  if (!res || !res.ok || views.size) return;
  const c = ((await res.json()).calls || [])[0];
  if (!c || views.size) return;
  const v = addView(c.id, desk.readonly, '-' + (++viewCount), scheduleTabs);
  v.handle({ type: 'call.started', call: c.id, ts: Date.parse(c.started_at),
    data: { source: c.source, parties: c.parties, started_at: Date.parse(c.started_at) } });
  v.handle(storedEnd(c));
  desk.focus = pickFocus();
  renderDesk();
}

function scheduleTabs() {
  if (desk.tabTimer) return;
  desk.tabTimer = setTimeout(() => { desk.tabTimer = null; renderTabs(); }, 250);
}

function renderDesk() {
  for (const v of views.values()) {
    const show = v.id === desk.focus;
    if (v.root.hidden === show) {
      v.root.hidden = !show;
      if (show) v.show();
    }
  }
  const anyLive = [...views.values()].some((v) => v.state !== 'ended');
  $('#desk-idle').hidden = anyLive;
  $('#desk-idle').textContent = tf('desk.idle', { agent: desk.agent });
  renderTabs();
}

function renderTabs() {
  const bar = $('#desk-tabs');
  const had = bar.contains(document.activeElement) ? document.activeElement.dataset.call : '';
  const list = [...views.values()].sort((a, b) => a.startedAt - b.startedAt);
  bar.hidden = list.length === 0;
  bar.replaceChildren(...list.map((v) => {
    const sel = v.id === desk.focus;
    const live = v.state !== 'ended';
    const end = v.endedAt || Date.now();
    const b = el('button', { type: 'button', role: 'tab', class: 'desk-tab', 'data-call': v.id, 'data-state': v.state,
      'aria-selected': String(sel), 'aria-controls': v.root.id, 'data-testid': 'desk-tab' },
      el('span', { class: 'badge', 'data-state': live ? 'live' : 'ended', text: live ? t('state.live') : t('desk.previous') }),
      el('span', { class: 'mono', text: v.id }),
      el('span', { class: 'mono muted', text: v.startedAt ? fmtSeconds((end - v.startedAt) / 1000) : '' }),
      el('span', { class: 'small', text: v.headline ? t('emo.' + v.headline) : '' }));
    b.addEventListener('click', () => { desk.pinned = v.id; desk.focus = v.id; renderDesk(); });
    return b;
  }));
  if (had) { const b = bar.querySelector(`[data-call="${CSS.escape(had)}"]`); if (b) b.focus(); } // keep keyboard focus
}

// ---- no call, no agent -------------------------------------------------------------------
function showPick(agentToo) {
  const f = $('#pick');
  f.hidden = false;
  $('#pick-agent-row').hidden = !agentToo;
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    const u = new URL(location.href);
    const call = $('#pick-call').value.trim();
    const agent = $('#pick-agent').value.trim();
    if (call) u.searchParams.set('call', call);
    else if (agent) u.searchParams.set('agent', agent);
    else return;
    location.href = u.href;
  });
  (agentToo ? $('#pick-agent') : $('#pick-call')).focus();
}

// ---- start -------------------------------------------------------------------------------
initPage();
setConn('closed');
onLang(() => {
  setConn(conn);
  for (const v of views.values()) v.rerender();
  if (desk.agent) {
    $('#desk-agent').textContent = tf('desk.of', { agent: desk.agent });
    renderDesk();
  }
});
setInterval(() => { for (const v of views.values()) v.tick(); }, 200);
setInterval(() => { if (desk.agent && views.size) renderTabs(); }, 1000);
if (callParam) oneCall();
else openDesk();
