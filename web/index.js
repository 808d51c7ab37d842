// Index: links to the pages and the list of calls from GET /v1/calls,
// refreshed every five seconds.
import { t, onLang } from './i18n.js';
import { $, el, api, signedIn, sessionLost, session, pageURL, fmtTime, initPage } from './common.js';

let last = null;

function links() {
  $('#link-softphone').href = pageURL('softphone.html');
  $('#link-agent').href = pageURL('agent.html');
  $('#link-wallboard').href = pageURL('wallboard.html');
}

function render() {
  const msg = $('#calls-msg');
  const table = $('#calls');
  if (!signedIn()) { msg.textContent = t('index.calls.notoken'); table.hidden = true; return; }
  if (last instanceof Error) { msg.textContent = t('index.calls.error') + ': ' + last.message; return; }
  if (!last) return;
  if (last.length === 0) { msg.textContent = t('index.calls.none'); table.hidden = true; return; }
  msg.textContent = '';
  table.hidden = false;
  const body = table.tBodies[0];
  body.innerHTML = '';
  for (const c of last) {
    const badge = el('span', { class: 'badge', 'data-state': c.state, text: t('state.' + c.state) });
    body.append(el('tr', { 'data-call': c.id },
      el('td', { class: 'mono', text: c.id }),
      el('td', {}, badge),
      el('td', { text: c.source || '' }),
      el('td', { text: (c.parties || []).map((p) => t('party.' + p)).join(', ') }),
      el('td', { text: fmtTime(c.started_at) }),
      el('td', {}, el('a', { href: pageURL('agent.html', { call: c.id }), text: t('open.agent') }))));
  }
}

async function refresh() {
  if (!signedIn()) { render(); return; }
  try {
    const res = await api('/v1/calls?limit=50');
    if (res.status === 401) sessionLost();
    if (!res.ok) {
      let m = res.status + ' ' + res.statusText;
      try { const j = await res.json(); if (j.error) m += ': ' + j.error; } catch { /* not JSON */ }
      throw new Error(m);
    }
    const j = await res.json();
    // live calls first, then the most recent
    last = (j.calls || []).sort((a, b) => ((b.state === 'live') - (a.state === 'live'))
      || String(b.started_at).localeCompare(String(a.started_at)));
  } catch (e) {
    last = e;
  }
  render();
}

initPage();
onLang(() => { links(); render(); });
links();
session.then(links); // once the cookie is set, links no longer carry the token
refresh();
setInterval(refresh, 5000);
