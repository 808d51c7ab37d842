// Supervisor wallboard: every live call from the all-calls websocket /v1/ws/calls (its
// snapshot on connect, then call.status at most once a second per call, alerts, hints,
// lifecycle), sorted by risk with a uPlot sparkline per call. A call crossing the risk
// threshold (saved in localStorage) raises an alert here, with an optional beep. Clicking
// a call opens its agent view read-only. The trends section lives in trends.js.
import { t, onLang } from './i18n.js';
import { $, el, token, pageURL, fmtSeconds, fmtTime, initPage } from './common.js';
import { sparkline, palette } from './charts.js';
import { initTrends } from './trends.js';

const KEEP_POINTS = 300; // ≈ 5 min of call.status at 1/s
const SPARK_S = 180; // seconds a sparkline shows
const HYSTERESIS = 0.05; // a call must fall this far below the threshold to alert again
const calls = new Map(); // id → row state
let conn = 'closed';
let attempt = 0;
let epoch = 0;
let threshold = Number(localStorage.getItem('undertone.wb.threshold')) || 0.6;
let sound = localStorage.getItem('undertone.wb.sound') === 'true';
let audio = null;
const alerts = [];

function setConn(c) {
  conn = c;
  $('#conn').dataset.state = c;
  $('#conn').textContent = t('conn.' + c);
}

function connect() {
  setConn(attempt ? 'retry' : 'connecting');
  const u = new URL('/v1/ws/calls', location.href);
  u.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  if (token()) u.searchParams.set('token', token());
  const ws = new WebSocket(u.href);
  ws.onopen = () => {
    setConn('open');
    epoch++;
    // The snapshot re-announces every live call: forget those that ended while we were away.
    const mine = epoch;
    setTimeout(() => { for (const [id, c] of calls) if (c.seen < mine && !c.ended) drop(id); render(); }, 5000);
  };
  ws.onmessage = (m) => {
    attempt = 0;
    let ev;
    try { ev = JSON.parse(m.data); } catch { return; }
    handle(ev);
  };
  ws.onclose = () => {
    const wait = Math.min(10000, 500 * 2 ** attempt++) * (0.75 + Math.random() * 0.5);
    setConn('retry');
    setTimeout(connect, wait);
  };
}

function row(id) {
  let c = calls.get(id);
  if (!c) {
    c = { id, risk: 0, reasons: [], xs: [], ys: [], above: false, alerts: 0, hints: 0, seen: epoch, status: null, agent: '' };
    calls.set(id, c);
  }
  c.seen = epoch;
  return c;
}

function drop(id) {
  const c = calls.get(id);
  if (!c) return;
  if (c.spark) c.spark.destroy();
  if (c.tr) c.tr.remove();
  calls.delete(id);
}

function handle(ev) {
  if (!ev.call) return;
  const d = ev.data || {};
  switch (ev.type) {
    case 'call.started': {
      const c = row(ev.call);
      c.agent = d.agent || c.agent;
      c.startedAt = d.started_at || ev.ts;
      break;
    }
    case 'call.status': {
      const c = row(ev.call);
      c.status = d;
      c.agent = d.agent || c.agent;
      c.risk = d.risk || 0;
      c.reasons = d.reasons || [];
      c.alerts = d.alerts || 0;
      c.hints = d.hints || 0;
      c.xs.push(d.elapsed || 0);
      c.ys.push(c.risk);
      if (c.xs.length > KEEP_POINTS) { c.xs.shift(); c.ys.shift(); }
      checkThreshold(c, ev);
      break;
    }
    case 'alert':
      row(ev.call).alerts++;
      addAlert({ call: ev.call, ts: ev.ts, kind: 'server', d });
      break;
    case 'hint':
      break; // counted by call.status
    case 'call.ended': {
      const c = calls.get(ev.call);
      if (c) {
        c.ended = true;
        setTimeout(() => { drop(ev.call); render(); }, 4000);
      }
      break;
    }
  }
  schedule();
}

function checkThreshold(c, ev) {
  if (c.risk >= threshold && !c.above) {
    c.above = true;
    addAlert({ call: c.id, ts: ev.ts, kind: 'risk', risk: c.risk, threshold, reasons: c.reasons });
  } else if (c.above && c.risk < threshold - HYSTERESIS) {
    c.above = false;
  }
}

function addAlert(a) {
  alerts.unshift(a);
  if (alerts.length > 100) alerts.pop();
  renderAlerts();
  if (sound) beep(a.kind === 'risk' || (a.d && a.d.severity === 'critical') ? 880 : 660);
}

// beep plays a short soft tone with WebAudio. The AudioContext is made when the supervisor
// ticks "sound" (a user gesture), so the browser's autoplay policy lets it play later.
function beep(hz) {
  if (!audio) return;
  const o = audio.createOscillator();
  const g = audio.createGain();
  o.frequency.value = hz;
  g.gain.setValueAtTime(0.0001, audio.currentTime);
  g.gain.exponentialRampToValueAtTime(0.15, audio.currentTime + 0.02);
  g.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.35);
  o.connect(g).connect(audio.destination);
  o.start();
  o.stop(audio.currentTime + 0.4);
}

// reason translates the wallboard stage's English reasons (internal/wallboard) by prefix.
function reason(r) {
  const m = /^negative emotion \((\w+)\)/.exec(r);
  if (m) return t('why.negative') + ' (' + t('emo.' + m[1]) + ')';
  if (r.startsWith('arousal above')) return t('why.arousal');
  if (r.startsWith('high arousal')) return t('why.higharousal');
  if (r.startsWith('getting worse')) return t('why.trend');
  if (r.startsWith('escalation')) return t('why.alerts');
  if (r.startsWith('long silence')) return t('why.silence');
  return r;
}

function level(risk) { return risk >= threshold ? 'high' : (risk >= threshold / 2 ? 'medium' : 'low'); }

let pending = false;
function schedule() {
  if (pending) return;
  pending = true;
  setTimeout(() => { pending = false; render(); }, 250);
}

function render() {
  const body = $('#live').tBodies[0];
  const list = [...calls.values()].sort((a, b) => b.risk - a.risk || a.id.localeCompare(b.id));
  $('#live-msg').textContent = list.length ? '' : t('wb.nocalls');
  $('#live').hidden = list.length === 0;
  list.forEach((c, i) => {
    if (!c.tr) makeRow(c);
    fillRow(c, i + 1);
    body.append(c.tr); // moves the row into risk order, keeping its chart
  });
}

// sparkMax is the shared top of every sparkline: the highest risk on the board or the
// threshold, at least 0.2.
function sparkMax() {
  let m = Math.max(0.2, threshold);
  for (const c of calls.values()) for (const y of c.ys) if (y > m) m = y;
  return Math.min(1, m * 1.1);
}

function makeRow(c) {
  const link = el('a', { class: 'mono', href: pageURL('agent.html', { call: c.id, readonly: '1' }), text: c.id });
  const spark = el('div', { class: 'spark' });
  c.cells = {
    rank: el('td', { class: 'mono' }), agent: el('td', {}), risk: el('td', { class: 'risk' }), spark: el('td', {}, spark),
    why: el('td', { class: 'why small' }), cust: el('td', {}), silence: el('td', { class: 'mono' }),
    alerts: el('td', { class: 'mono' }), hints: el('td', { class: 'mono' }), elapsed: el('td', { class: 'mono' }),
  };
  c.tr = el('tr', { 'data-call': c.id, 'data-testid': 'live-call' });
  c.tr.append(c.cells.rank, el('td', {}, link), c.cells.agent, c.cells.risk, c.cells.spark, c.cells.why, c.cells.cust,
    c.cells.silence, c.cells.alerts, c.cells.hints, c.cells.elapsed);
  c.tr.addEventListener('click', (e) => { if (e.target.tagName !== 'A') location.href = link.href; });
  c.spark = sparkline(spark, 140, 30, SPARK_S, sparkMax, palette.customer);
}

function fillRow(c, rank) {
  const s = c.status || {};
  const lv = level(c.risk);
  c.tr.dataset.risk = c.risk.toFixed(2);
  c.tr.dataset.level = lv;
  c.tr.dataset.above = String(c.above);
  c.tr.dataset.ended = String(!!c.ended);
  c.cells.rank.textContent = String(rank);
  c.cells.agent.textContent = c.agent || '–';
  c.cells.risk.replaceChildren(
    el('span', { class: 'risk-badge', 'data-level': lv, text: c.risk.toFixed(2) }),
    el('span', { class: 'small', text: ' ' + t('lvl.' + lv) + (c.ended ? ' · ' + t('state.ended') : '') }),
    el('span', { class: 'riskbar', 'aria-hidden': 'true' }, el('span', { style: `width:${Math.round(c.risk * 100)}%` })));
  c.cells.why.textContent = c.reasons.map(reason).join(' · ') || '–';
  const cu = s.customer;
  c.cells.cust.textContent = cu ? `${t('emo.' + cu.top)}${cu.top === 'unsure' ? '' : ' ' + Math.round((cu.confidence || 0) * 100) + ' %'}` +
    ` · ${t('ag.arousal')} ${(cu.arousal >= 0 ? '+' : '−') + Math.abs(cu.arousal || 0).toFixed(2)}` : '–';
  c.cells.silence.textContent = s.silence_s ? s.silence_s.toFixed(0) + ' s' : '–';
  c.cells.alerts.textContent = String(c.alerts);
  c.cells.hints.textContent = String(c.hints);
  c.cells.elapsed.textContent = fmtSeconds(s.elapsed || 0);
  c.spark.setData([c.xs, c.ys]);
}

function renderAlerts() {
  const ul = $('#alerts');
  $('#alerts-empty').hidden = alerts.length > 0;
  ul.replaceChildren(...alerts.map((a) => {
    let text;
    if (a.kind === 'risk') {
      text = t('wb.crossed').replace('{risk}', a.risk.toFixed(2)).replace('{thr}', a.threshold.toFixed(2)) +
        (a.reasons.length ? ': ' + a.reasons.map(reason).join(' · ') : '');
    } else {
      text = (a.d.severity ? t('sev.' + a.d.severity) + ': ' : '') + ((document.documentElement.lang === 'nl' ? a.d.message_nl : a.d.message) || a.d.message || a.d.kind);
    }
    return el('li', { 'data-type': 'alert', 'data-kind': a.kind, 'data-call': a.call, 'data-testid': 'alert' },
      el('span', { class: 'mono muted', text: fmtTime(a.ts || Date.now()) }),
      el('span', { class: 'type', text: a.kind === 'risk' ? t('wb.riskalert') : t('wb.callalert') }),
      el('a', { class: 'mono', href: pageURL('agent.html', { call: a.call, readonly: '1' }), text: a.call }),
      el('span', { class: 'data', text }));
  }));
}

function settings() {
  // Sound saved as on from an earlier visit: the browser lets audio start only after a
  // gesture, so make the AudioContext on the first click or key press.
  const unlock = () => { if (sound && !audio) audio = new AudioContext(); };
  document.addEventListener('click', unlock, { once: true });
  document.addEventListener('keydown', unlock, { once: true });
  const th = $('#threshold');
  th.value = String(threshold);
  th.addEventListener('change', () => {
    const v = Number(th.value);
    if (!(v > 0 && v <= 1)) { th.value = String(threshold); return; }
    threshold = v;
    localStorage.setItem('undertone.wb.threshold', String(v));
    for (const c of calls.values()) c.above = c.risk >= threshold; // no burst of alerts for calls already over it
    render();
  });
  const snd = $('#sound');
  snd.checked = sound;
  snd.addEventListener('change', () => {
    sound = snd.checked;
    localStorage.setItem('undertone.wb.sound', String(sound));
    if (sound && !audio) audio = new AudioContext();
    if (sound) beep(660); // let the supervisor hear what an alert sounds like
  });
}

initPage();
setConn('closed');
settings();
render();
renderAlerts();
onLang(() => { setConn(conn); render(); renderAlerts(); });
setInterval(render, 1000);
connect();
initTrends();
