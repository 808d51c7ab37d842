// Index: links to the pages and the calls from GET /v1/calls — agent, team, queue,
// duration and peak risk, live calls first — refreshed every five seconds, with a search
// box on q= (kept in the address, so a search can be shared). A token the server refuses
// (401) stops the refreshing and says to sign in again; 403 says what the token may not do.
import { t, tf, onLang } from './i18n.js';
import { $, el, api, params, signedIn, sessionLost, session, pageURL, fmtTime, fmtSeconds, initPage } from './common.js';
import { whoAmI, forbidden, showProblem } from './conn.js';
import { endReason } from './vocab.js';
import { riskLevel } from './summary.js';

let last = null;
let query = params.get('q') || '';
let stopped = false;
let timer = null;

function links() {
  $('#link-softphone').href = pageURL('softphone.html');
  $('#link-desk').href = pageURL('agent.html');
  $('#link-wallboard').href = pageURL('wallboard.html');
}

function render() {
  const msg = $('#calls-msg');
  const table = $('#calls');
  if (!signedIn()) { msg.textContent = t('index.calls.notoken'); table.hidden = true; return; }
  if (last instanceof Error) { msg.textContent = t('index.calls.error') + ': ' + last.message; table.hidden = true; return; }
  if (!last) return;
  if (last.length === 0) {
    msg.textContent = query ? tf('index.nomatch', { q: query }) : t('index.calls.none');
    table.hidden = true;
    return;
  }
  msg.textContent = '';
  table.hidden = false;
  table.tBodies[0].replaceChildren(...last.map((c) => {
    const ended = c.state !== 'live';
    const end = c.ended_at ? Date.parse(c.ended_at) : Date.now();
    const dur = c.summary && c.summary.duration_s ? c.summary.duration_s : (end - Date.parse(c.started_at)) / 1000;
    const peak = c.summary ? c.summary.peak_risk || 0 : null;
    const state = t('state.' + c.state) + (ended && c.reason ? ' · ' + endReason(c.reason) : '');
    const lv = peak == null ? '' : riskLevel(peak);
    return el('tr', { 'data-call': c.id, 'data-state': c.state },
      el('td', { class: 'mono', text: c.id }),
      el('td', {}, el('span', { class: 'badge', 'data-state': c.state, text: state })),
      el('td', { 'data-col': 'agent', text: c.agent || '–' }),
      el('td', { 'data-col': 'team', text: c.team || '–' }),
      el('td', { 'data-col': 'queue', text: c.queue || '–' }),
      el('td', { text: fmtTime(c.started_at) }),
      el('td', { class: 'mono', 'data-col': 'duration', text: fmtSeconds(dur) }),
      el('td', { 'data-col': 'risk' }, peak == null ? '–'
        : el('span', { class: 'risk-badge', 'data-level': lv, title: t('lvl.' + lv), text: peak.toFixed(2) })),
      el('td', { text: c.source || '' }),
      el('td', {}, el('a', { href: pageURL('agent.html', { call: c.id }), text: t('open.agent') })));
  }));
}

async function refresh() {
  clearTimeout(timer);
  if (stopped) return;
  if (!signedIn()) { render(); return; }
  const asked = query;
  try {
    const q = new URLSearchParams({ limit: '50' });
    if (asked) q.set('q', asked);
    const res = await api('/v1/calls?' + q);
    if (res.status === 401 || res.status === 403) {
      sessionLost();
      stopped = true; // a refused token does not get better by asking again
      $('#calls').hidden = true;
      $('#calls-msg').textContent = '';
      if (res.status === 401) showProblem({ kind: 'signin' });
      else showProblem(forbidden((await whoAmI()).me, 'calls'));
      return;
    }
    if (!res.ok) {
      let m = res.status + ' ' + res.statusText;
      try { const j = await res.json(); if (j.error) m += ': ' + j.error; } catch { /* not JSON */ }
      throw new Error(m);
    }
    const j = await res.json();
    if (asked !== query) return; // a newer search is on its way
    // live calls first, then the most recent
    last = (j.calls || []).sort((a, b) => ((b.state === 'live') - (a.state === 'live'))
      || String(b.started_at).localeCompare(String(a.started_at)));
  } catch (e) {
    last = e;
  }
  render();
  timer = setTimeout(refresh, 5000);
}

function search() {
  const box = $('#q');
  box.value = query;
  let wait = null;
  box.addEventListener('input', () => {
    clearTimeout(wait);
    wait = setTimeout(() => {
      query = box.value.trim();
      const u = new URL(location.href);
      if (query) u.searchParams.set('q', query);
      else u.searchParams.delete('q');
      history.replaceState(history.state, '', u);
      refresh();
    }, 300);
  });
}

initPage();
onLang(() => { links(); render(); });
links();
search();
session.then(links); // once the cookie is set, links no longer carry the token
refresh();
