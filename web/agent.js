// Agent view: one call's events over the websocket /v1/ws/calls/{id}. Reconnects by itself
// with exponential backoff and asks for what it missed with ?since=<last seq>. Live meters
// (level, pitch, vad) update in place; emotion, dynamics, transcript and hints go to the
// assist panes (assist.js); the rest to the log, unknown types included. ?readonly=1 (the
// wallboard's click-through) hides the hint feedback buttons.
import { t, onLang } from './i18n.js';
import { $, el, params, token, fmtSeconds, fmtTime, initPage } from './common.js';
import { createAssist, pick } from './assist.js';

const PARTIES = ['customer', 'agent'];
const WINDOW_MS = 60000;
const MAX_LOG = 300;

const callID = (params.get('call') || '').trim();
const readonly = params.get('readonly') === '1' || params.get('readonly') === 'true';
const assist = createAssist({ callID, readonly });
const st = {
  seq: 0, count: 0, state: 'waiting', startedAt: 0, endedAt: 0, summary: null, reason: '',
  conn: 'closed', lastTS: 0, lastTSPerf: 0,
  p: Object.fromEntries(PARTIES.map((p) => [p, {
    joined: false, dbfs: null, peak: null, hz: 0, voiced: false, speech: false, talkS: 0, emotion: null,
    lv: [], pt: [], vd: [],
  }])),
};
const ui = Object.fromEntries(PARTIES.map((p) => {
  const root = $('#p-' + p);
  const q = (r) => root.querySelector(`[data-role="${r}"]`);
  return [p, { root, meter: q('meter'), level: q('level'), pitch: q('pitch'), talk: q('talk'), ratio: q('ratio'),
    peak: q('peak'), speaking: q('speaking'), trace: q('trace'), emotion: q('emotion') }];
}));

// ---- connection ----------------------------------------------------------------------
let ws = null;
let attempt = 0;
let retryTimer = null;

function setConn(code) {
  st.conn = code;
  const c = $('#conn');
  c.dataset.state = code;
  c.textContent = t('conn.' + code);
}

function wsURL() {
  const u = new URL('/v1/ws/calls/' + encodeURIComponent(callID), location.href);
  u.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  if (token()) u.searchParams.set('token', token());
  if (st.seq > 0) u.searchParams.set('since', String(st.seq));
  return u.href;
}

function connect() {
  clearTimeout(retryTimer);
  setConn(attempt === 0 ? 'connecting' : 'retry');
  ws = new WebSocket(wsURL());
  ws.onopen = () => setConn('open');
  ws.onmessage = (m) => {
    attempt = 0;
    let ev;
    try { ev = JSON.parse(m.data); } catch { return; }
    handle(ev);
  };
  ws.onclose = () => {
    ws = null;
    if (st.state === 'ended' || st.state === 'interrupted') { setConn('closed'); return; }
    // 0.5 s, 1 s, 2 s … capped at 10 s, with ±25 % jitter so many agents do not reconnect in step.
    const base = Math.min(10000, 500 * 2 ** attempt);
    attempt++;
    setConn('retry');
    retryTimer = setTimeout(connect, base * (0.75 + Math.random() * 0.5));
  };
}

// ---- events ----------------------------------------------------------------------------
function handle(ev) {
  if (typeof ev.seq === 'number') {
    if (ev.seq <= st.seq) return; // replayed after a reconnect: already seen
    st.seq = ev.seq;
  }
  st.count++;
  if (ev.ts) { st.lastTS = ev.ts; st.lastTSPerf = performance.now(); }
  const d = ev.data || {};
  const p = PARTIES.includes(ev.party) ? st.p[ev.party] : null;
  if (p) p.joined = true;
  if (assist.event(ev)) { renderText(); return; }
  switch (ev.type) {
    case 'call.started':
      st.state = 'live';
      st.startedAt = d.started_at || ev.ts;
      for (const x of d.parties || []) if (st.p[x]) st.p[x].joined = true;
      log(ev);
      break;
    case 'call.ended':
      st.state = 'ended';
      st.startedAt = d.started_at || st.startedAt;
      st.endedAt = d.ended_at || ev.ts;
      st.reason = d.reason || '';
      st.summary = d.summary || null;
      for (const x of PARTIES) st.p[x].speech = false;
      log(ev);
      setTimeout(() => { if (ws) ws.close(); }, 1000);
      break;
    case 'level':
      if (p) {
        p.dbfs = d.dbfs; p.peak = d.peak; push(p.lv, { ts: ev.ts, v: d.dbfs });
        const r = ui[ev.party].root; // test hook: loudest level seen
        if (!(Number(r.dataset.maxDbfs) >= d.dbfs)) r.dataset.maxDbfs = d.dbfs.toFixed(1);
      }
      if (st.state === 'waiting') st.state = 'live';
      break;
    case 'pitch':
      if (p) {
        p.hz = d.voiced ? d.hz : 0; p.voiced = !!d.voiced;
        if (d.voiced && d.hz > 0) { push(p.pt, { ts: ev.ts, v: d.hz }); ui[ev.party].root.dataset.pitchSeen = 'true'; }
      }
      break;
    case 'vad':
      if (p) { p.speech = !!d.speech; p.talkS = d.talk_s || 0; push(p.vd, { ts: ev.ts, v: p.speech }); }
      break;
    case 'emotion':
      if (p) p.emotion = d;
      log(ev);
      break;
    case 'call.status':
      break; // the wallboard's summary: the meters already show it
    default:
      log(ev);
  }
  renderText();
}

function push(arr, x) {
  arr.push(x);
  const cut = x.ts - WINDOW_MS - 5000;
  while (arr.length && arr[0].ts < cut) arr.shift();
}

function short(ev) {
  const d = ev.data || {};
  switch (ev.type) {
    case 'call.started': return (d.source || '') + (d.parties ? ' · ' + d.parties.join(', ') : '');
    case 'call.ended': return (d.reason || '') + (d.summary ? ' · ' + fmtSeconds(d.summary.duration_s) : '');
    case 'emotion': {
      const head = d.headline || d.top;
      const p = (d.probs || {})[head];
      return `${t('emo.' + head)}${head === 'unsure' || p == null ? '' : ' ' + Math.round(p * 100) + ' %'} · ${t('ag.arousal')} ${sign(d.arousal)} · ${t('ag.valence')} ${sign(d.valence)}`;
    }
    case 'transcript': return d.text || '';
    case 'intent': return `${d.abstained ? '(' + d.intent + ')' : d.intent} ${Math.round((d.confidence || 0) * 100)} %` +
      ((d.needs || []).length ? ' · ' + d.needs.map((n) => n.id).join(', ') : '') + ((d.evidence || []).length ? ' · “' + d.evidence.join(' ') + '”' : '');
    case 'hint': return [pick(d.title), pick(d.underlying_need)].filter(Boolean).join(' — ') || json(d);
    case 'alert': return pick({ en: d.message, nl: d.message_nl }) || d.kind || json(d);
    case 'party.joined': return d.codec || json(d);
  }
  return json(d);
}

function json(d) {
  const s = JSON.stringify(d);
  return s === '{}' ? '' : (s.length > 220 ? s.slice(0, 217) + '…' : s);
}

function sign(x) { return (x >= 0 ? '+' : '−') + Math.abs(x || 0).toFixed(2); }

const logged = [];

function log(ev) {
  logged.push(ev);
  if (logged.length > MAX_LOG) logged.shift();
  const ul = $('#log');
  const empty = $('#log-empty');
  if (empty) empty.remove();
  ul.prepend(logItem(ev));
  while (ul.children.length > MAX_LOG) ul.lastElementChild.remove();
}

function rerenderLog() {
  if (!logged.length) return;
  const ul = $('#log');
  ul.replaceChildren(...logged.slice().reverse().map(logItem));
}

function logItem(ev) {
  return el('li', { 'data-type': ev.type, 'data-seq': String(ev.seq || '') },
    el('span', { class: 'mono muted', text: ev.ts ? fmtTime(ev.ts) : '' }),
    el('span', { class: 'type', text: ev.type }),
    el('span', { text: ev.party ? t('party.' + ev.party) : '' }),
    el('span', { class: 'data', text: short(ev) }));
}

// ---- rendering ---------------------------------------------------------------------------
function renderText() {
  const cs = $('#call-state');
  cs.dataset.state = st.state;
  cs.textContent = t('state.' + st.state) + (st.state === 'ended' && st.reason ? ' · ' + st.reason : '');
  $('#event-count').textContent = String(st.count);
  $('#last-seq').textContent = String(st.seq);
  const total = st.p.customer.talkS + st.p.agent.talkS;
  for (const name of PARTIES) {
    const p = st.p[name];
    const u = ui[name];
    u.root.dataset.joined = String(p.joined);
    if (p.dbfs == null) {
      u.level.textContent = p.joined ? '– dBFS' : t('ag.notjoined');
    } else {
      const pct = Math.max(0, Math.min(100, (p.dbfs + 60) / 60 * 100));
      u.meter.firstElementChild.style.width = pct + '%';
      u.meter.setAttribute('aria-valuenow', p.dbfs.toFixed(0));
      u.level.textContent = p.dbfs.toFixed(1) + ' dBFS';
      u.level.dataset.dbfs = p.dbfs.toFixed(1);
      u.peak.innerHTML = '';
      u.peak.append(String(p.peak == null ? '–' : p.peak.toFixed(0)), el('small', { text: ' dB ' + t('ag.peak') }));
    }
    u.pitch.innerHTML = '';
    if (p.voiced && p.hz > 0) u.pitch.append(String(Math.round(p.hz)), el('small', { text: ' Hz' }));
    else u.pitch.append('–');
    u.pitch.dataset.hz = String(Math.round(p.hz || 0));
    u.speaking.dataset.speech = String(p.speech);
    u.speaking.textContent = t(p.speech ? 'ag.speaking' : 'ag.quiet');
    if (p.speech) u.root.dataset.spoke = 'true';
    u.talk.textContent = fmtSeconds(p.talkS);
    u.ratio.textContent = total > 0 ? Math.round(p.talkS / total * 100) + ' %' : '–';
  }
  const c = total > 0 ? st.p.customer.talkS / total * 100 : 50;
  const bar = $('#ratio-bar');
  bar.children[0].style.width = c + '%';
  bar.children[1].style.width = (100 - c) + '%';
  bar.children[0].textContent = total > 0 && c >= 12 ? `${t('party.customer')} ${Math.round(c)} %` : '';
  bar.children[1].textContent = total > 0 && c <= 88 ? `${t('party.agent')} ${Math.round(100 - c)} %` : '';
  bar.children[0].style.padding = c >= 12 ? '' : '0';
  bar.children[1].style.padding = c <= 88 ? '' : '0';
  bar.setAttribute('aria-label', `${t('ag.ratio')}: ${t('party.customer')} ${Math.round(c)} %, ${t('party.agent')} ${Math.round(100 - c)} %`);
  renderElapsed();
  if (st.summary) renderSummary();
}

function renderElapsed() {
  if (!st.startedAt) return;
  const end = st.endedAt || Date.now();
  $('#call-elapsed').textContent = fmtSeconds((end - st.startedAt) / 1000);
}

function renderSummary() {
  const s = st.summary;
  const box = $('#summary-dl');
  const head = el('tr', {}, el('th', { text: t('ag.duration') + ' ' + fmtSeconds(s.duration_s || 0) }),
    ...['ag.talk', 'ag.meanpitch', 'ag.meanlevel', 'ag.lost'].map((k) => el('th', { text: t(k) })));
  const rows = PARTIES.filter((n) => (s.parties || {})[n]).map((n) => {
    const ps = s.parties[n];
    return el('tr', { 'data-party': n }, el('td', { text: t('party.' + n) }),
      el('td', { text: fmtSeconds(ps.talk_s || 0) }),
      el('td', { text: ps.mean_pitch_hz ? Math.round(ps.mean_pitch_hz) + ' Hz' : '–' }),
      el('td', { text: ps.mean_level_db ? ps.mean_level_db.toFixed(1) + ' dBFS' : '–' }),
      el('td', { text: `${ps.lost || 0} / ${ps.packets || 0}` }));
  });
  box.replaceChildren(el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows)));
  $('#summary').hidden = false;
}

const colours = {
  customer: { fill: 'rgba(0,114,178,0.22)', line: '#0072b2', dot: '#00466e' },
  agent: { fill: 'rgba(230,159,0,0.28)', line: '#b57d00', dot: '#6b4a00' },
};

// drawTrace plots the last 60 s: level as an area (−60…0 dBFS), voiced pitch as dots on a
// log scale (60…400 Hz), speech as a band along the bottom.
function drawTrace(name) {
  const cv = ui[name].trace;
  const p = st.p[name];
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(cv.clientWidth * dpr));
  const h = Math.max(1, Math.round(cv.clientHeight * dpr));
  if (cv.width !== w || cv.height !== h) { cv.width = w; cv.height = h; }
  const g = cv.getContext('2d');
  g.clearRect(0, 0, w, h);
  const band = 6 * dpr;
  const ph = h - band - 2 * dpr;
  let anchor = st.lastTS;
  if (st.state === 'live' && anchor) anchor += Math.min(2000, performance.now() - st.lastTSPerf);
  const x = (ts) => w - (anchor - ts) / WINDOW_MS * w;
  // grid: every 10 s, and −20/−40 dBFS
  g.strokeStyle = '#e3e7eb';
  g.lineWidth = 1;
  for (let s = 10; s < 60; s += 10) { const gx = w - s / 60 * w; g.beginPath(); g.moveTo(gx, 0); g.lineTo(gx, ph); g.stroke(); }
  for (const db of [-20, -40]) { const gy = ph * (-db / 60); g.beginPath(); g.moveTo(0, gy); g.lineTo(w, gy); g.stroke(); }
  g.fillStyle = '#8a949e';
  g.font = `${10 * dpr}px system-ui, sans-serif`;
  g.fillText('0 dB', 3 * dpr, 11 * dpr);
  g.fillText('−60 dB · −60 s', 3 * dpr, ph - 3 * dpr);
  g.textAlign = 'right';
  g.fillText('400 Hz', w - 3 * dpr, 11 * dpr);
  g.fillText('60 Hz · 0 s', w - 3 * dpr, ph - 3 * dpr);
  g.textAlign = 'left';
  if (!anchor) return;
  const c = colours[name];
  // level area
  if (p.lv.length) {
    g.beginPath();
    g.moveTo(x(p.lv[0].ts), ph);
    for (const s of p.lv) {
      const y = ph * (1 - Math.max(0, Math.min(1, (s.v + 60) / 60)));
      g.lineTo(x(s.ts), y);
    }
    g.lineTo(x(p.lv[p.lv.length - 1].ts), ph);
    g.closePath();
    g.fillStyle = c.fill;
    g.fill();
    g.strokeStyle = c.line;
    g.lineWidth = 1 * dpr;
    g.stroke();
  }
  // pitch dots
  const lo = Math.log(60), hi = Math.log(400);
  g.fillStyle = c.dot;
  for (const s of p.pt) {
    const y = ph * (1 - (Math.log(Math.max(60, Math.min(400, s.v))) - lo) / (hi - lo));
    g.fillRect(x(s.ts) - 1.5 * dpr, y - 1.5 * dpr, 3 * dpr, 3 * dpr);
  }
  // speech band: dark where the VAD said speech
  g.fillStyle = '#e7ebef';
  g.fillRect(0, h - band, w, band);
  g.fillStyle = '#1d232b';
  for (let i = 0; i < p.vd.length; i++) {
    if (!p.vd[i].v) continue;
    const x0 = x(p.vd[i].ts);
    const x1 = i + 1 < p.vd.length ? x(p.vd[i + 1].ts) : (st.state === 'live' ? w : x0 + 2);
    g.fillRect(x0, h - band, Math.max(1, x1 - x0), band);
  }
}

function tick() {
  for (const name of PARTIES) drawTrace(name);
  renderElapsed();
}

// ---- start -------------------------------------------------------------------------------
initPage();
setConn('closed');
onLang(() => { setConn(st.conn); renderText(); rerenderLog(); assist.rerender(); });
if (!callID) {
  const f = $('#pick');
  f.hidden = false;
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = $('#pick-call').value.trim();
    if (!v) return;
    const u = new URL(location.href);
    u.searchParams.set('call', v);
    location.href = u.href;
  });
  $('#pick-call').focus();
} else {
  $('#view').hidden = false;
  $('#call-id').textContent = callID;
  $('#readonly').hidden = !readonly;
  document.body.dataset.readonly = String(readonly);
  document.title = 'Undertone · ' + callID;
  renderText();
  setInterval(tick, 200);
  connect();
}
