// One call on the agent page, inside its own root element (a clone of the page's
// <template id="call-tpl">): the call's state from its events, the live meters and 60 s
// traces, the assist panes (assist.js), the event log and the after-call summary
// (summary.js). The page (agent.js) owns the connection and hands each view its call's
// events; the desk holds several views at once, so nothing here looks outside root.
import { t, termName } from './i18n.js';
import { el, fmtSeconds, fmtTime } from './common.js';
import { createAssist, pick } from './assist.js';
import { createSummary } from './summary.js';
import { endReason } from './vocab.js';

export const PARTIES = ['customer', 'agent'];
const WINDOW_MS = 60000;
const MAX_LOG = 300;

// instantiate clones the template's content, giving every id (and every reference to one)
// the suffix, so several views can live in one document.
export function instantiate(tpl, suffix) {
  const frag = tpl.content.cloneNode(true);
  if (suffix) {
    for (const e of frag.querySelectorAll('[id]')) e.id += suffix;
    for (const a of ['for', 'aria-labelledby', 'aria-describedby']) {
      for (const e of frag.querySelectorAll(`[${a}]`)) e.setAttribute(a, e.getAttribute(a).split(' ').map((x) => x + suffix).join(' '));
    }
  }
  return frag.firstElementChild;
}

// createCallView makes the view of callID in root. onChange() is called after every
// event the view took (the desk updates its tabs).
export function createCallView({ root, callID, readonly, onChange }) {
  const q = (r) => root.querySelector(`[data-role="${r}"]`);
  const st = {
    seq: 0, count: 0, state: 'waiting', startedAt: 0, endedAt: 0, summary: null, reason: '', ratings: {},
    lastTS: 0, lastTSPerf: 0, source: '', meta: {},
    p: Object.fromEntries(PARTIES.map((p) => [p, {
      joined: false, dbfs: null, peak: null, hz: 0, voiced: false, speech: false, talkS: 0, emotion: null,
      lv: [], pt: [], vd: [],
    }])),
  };
  const ui = Object.fromEntries(PARTIES.map((p) => {
    const r = root.querySelector(`[data-party-panel="${p}"]`);
    const f = (x) => r.querySelector(`[data-role="${x}"]`);
    return [p, { root: r, meter: f('meter'), level: f('level'), pitch: f('pitch'), talk: f('talk'), ratio: f('ratio'),
      peak: f('peak'), speaking: f('speaking'), trace: f('trace') }];
  }));
  const summary = createSummary(q('summary-body'));
  const assist = createAssist({ root, callID, readonly, onRating: (hint, rating) => {
    st.ratings[hint] = rating;
    if (st.summary) summary.rerender({ ratings: st.ratings });
  } });
  const logged = [];
  root.dataset.viewCall = callID;
  q('call-id').textContent = callID;
  q('readonly').hidden = !readonly;

  // ---- events ----------------------------------------------------------------------------
  function handle(ev) {
    if (typeof ev.seq === 'number' && ev.seq > 0) {
      if (ev.seq <= st.seq) return; // replayed after a reconnect: already seen
      st.seq = ev.seq;
    }
    st.count++;
    if (ev.ts) { st.lastTS = ev.ts; st.lastTSPerf = performance.now(); }
    const d = ev.data || {};
    const p = PARTIES.includes(ev.party) ? st.p[ev.party] : null;
    if (p) p.joined = true;
    if (assist.event(ev)) { renderText(); changed(); return; }
    switch (ev.type) {
      case 'call.started':
        if (st.state !== 'ended') st.state = 'live';
        st.startedAt = d.started_at || ev.ts;
        st.source = d.source || '';
        st.meta = d.meta || {};
        for (const x of d.parties || []) if (st.p[x]) st.p[x].joined = true;
        log(ev);
        break;
      case 'call.ended':
        ended(d, ev);
        log(ev);
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
    changed();
  }

  function ended(d, ev) {
    st.state = 'ended';
    st.startedAt = d.started_at || st.startedAt;
    st.endedAt = d.ended_at || ev.ts || Date.now();
    st.reason = d.reason || '';
    st.summary = d.summary || null;
    if (d.meta) st.meta = d.meta;
    for (const x of PARTIES) st.p[x].speech = false;
    assist.ended();
    if (st.summary) {
      q('summary').hidden = false; // before rendering: the charts need the box's width
      // ratings seen live count too (the summary may have been made before one arrived)
      summary.render(st.summary, { reason: st.reason, ratings: st.ratings });
    }
  }

  function changed() { if (onChange) onChange(api); }

  function push(arr, x) {
    arr.push(x);
    const cut = x.ts - WINDOW_MS - 5000;
    while (arr.length && arr[0].ts < cut) arr.shift();
  }

  // ---- the event log ---------------------------------------------------------------------------
  function short(ev) {
    const d = ev.data || {};
    switch (ev.type) {
      case 'call.started': return (d.source || '') + (d.parties ? ' · ' + d.parties.map((x) => t('party.' + x)).join(', ') : '');
      case 'call.ended': return endReason(d.reason) + (d.summary ? ' · ' + fmtSeconds(d.summary.duration_s) : '');
      case 'emotion': {
        const head = d.headline || d.top;
        const pr = (d.probs || {})[head];
        return `${t('emo.' + head)}${head === 'unsure' || pr == null ? '' : ' ' + Math.round(pr * 100) + ' %'} · ${t('ag.arousal')} ${sign(d.arousal)} · ${t('ag.valence')} ${sign(d.valence)}`;
      }
      case 'transcript': return d.text || '';
      case 'intent': {
        const name = termName('intent', d.intent);
        return `${d.abstained ? '(' + name + ')' : name} ${Math.round((d.confidence || 0) * 100)} %` +
          ((d.needs || []).length ? ' · ' + d.needs.map((n) => termName('need', n.id)).join(', ') : '') +
          ((d.evidence || []).length ? ' · “' + d.evidence.join(' ') + '”' : '');
      }
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

  function log(ev) {
    logged.push(ev);
    if (logged.length > MAX_LOG) logged.shift();
    const ul = q('log');
    const empty = q('log-empty');
    if (empty) empty.remove();
    ul.prepend(logItem(ev));
    while (ul.children.length > MAX_LOG) ul.lastElementChild.remove();
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
    const cs = q('call-state');
    cs.dataset.state = st.state;
    root.dataset.state = st.state;
    cs.textContent = st.state === 'waiting' ? t('ag.waitstart')
      : t('state.' + st.state) + (st.state === 'ended' && st.reason ? ' · ' + endReason(st.reason) : '');
    q('event-count').textContent = String(st.count);
    q('last-seq').textContent = String(st.seq);
    const total = st.p.customer.talkS + st.p.agent.talkS;
    for (const name of PARTIES) {
      const p = st.p[name];
      const u = ui[name];
      u.root.dataset.joined = String(p.joined);
      if (p.dbfs == null) {
        u.level.textContent = p.joined ? '– dBFS' : t('ag.notjoined');
      } else {
        const pct = Math.max(0, Math.min(100, (p.dbfs + 60) / 60 * 100));
        u.meter.firstElementChild.style.width = (st.state === 'ended' ? 0 : pct) + '%';
        u.meter.setAttribute('aria-valuenow', p.dbfs.toFixed(0));
        u.level.textContent = p.dbfs.toFixed(1) + ' dBFS';
        u.level.dataset.dbfs = p.dbfs.toFixed(1);
        u.peak.replaceChildren(String(p.peak == null ? '–' : p.peak.toFixed(0)), el('small', { text: ' dB ' + t('ag.peak') }));
      }
      u.pitch.replaceChildren(...(p.voiced && p.hz > 0 ? [String(Math.round(p.hz)), el('small', { text: ' Hz' })] : ['–']));
      u.pitch.dataset.hz = String(Math.round(p.hz || 0));
      u.speaking.dataset.speech = String(p.speech);
      u.speaking.textContent = t(p.speech ? 'ag.speaking' : 'ag.quiet');
      if (p.speech) u.root.dataset.spoke = 'true';
      u.talk.textContent = fmtSeconds(p.talkS);
      u.ratio.textContent = total > 0 ? Math.round(p.talkS / total * 100) + ' %' : '–';
    }
    const c = total > 0 ? st.p.customer.talkS / total * 100 : 50;
    const bar = q('ratio-bar');
    bar.children[0].style.width = c + '%';
    bar.children[1].style.width = (100 - c) + '%';
    bar.children[0].textContent = total > 0 && c >= 12 ? `${t('party.customer')} ${Math.round(c)} %` : '';
    bar.children[1].textContent = total > 0 && c <= 88 ? `${t('party.agent')} ${Math.round(100 - c)} %` : '';
    bar.children[0].style.padding = c >= 12 ? '' : '0';
    bar.children[1].style.padding = c <= 88 ? '' : '0';
    bar.setAttribute('aria-label', `${t('ag.ratio')}: ${t('party.customer')} ${Math.round(c)} %, ${t('party.agent')} ${Math.round(100 - c)} %`);
    renderElapsed();
  }

  function renderElapsed() {
    if (!st.startedAt) return;
    const end = st.endedAt || Date.now();
    q('call-elapsed').textContent = fmtSeconds((end - st.startedAt) / 1000);
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
    if (p.lv.length) {
      g.beginPath();
      g.moveTo(x(p.lv[0].ts), ph);
      for (const s of p.lv) g.lineTo(x(s.ts), ph * (1 - Math.max(0, Math.min(1, (s.v + 60) / 60))));
      g.lineTo(x(p.lv[p.lv.length - 1].ts), ph);
      g.closePath();
      g.fillStyle = c.fill;
      g.fill();
      g.strokeStyle = c.line;
      g.lineWidth = 1 * dpr;
      g.stroke();
    }
    const lo = Math.log(60), hi = Math.log(400);
    g.fillStyle = c.dot;
    for (const s of p.pt) {
      const y = ph * (1 - (Math.log(Math.max(60, Math.min(400, s.v))) - lo) / (hi - lo));
      g.fillRect(x(s.ts) - 1.5 * dpr, y - 1.5 * dpr, 3 * dpr, 3 * dpr);
    }
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

  const api = {
    id: callID,
    root,
    handle,
    get state() { return st.state; },
    get startedAt() { return st.startedAt; },
    get endedAt() { return st.endedAt; },
    get seq() { return st.seq; },
    get reason() { return st.reason; },
    get meta() { return st.meta; },
    get source() { return st.source; },
    // headline is the customer's latest emotion, for the desk's tab.
    get headline() { const d = st.p.customer.emotion; return d ? d.headline || d.top : ''; },
    // tick redraws the traces and the clock (only a visible view draws).
    tick() {
      if (root.hidden) return;
      for (const name of PARTIES) drawTrace(name);
      renderElapsed();
    },
    // show is called when the view becomes visible: charts that need a width draw now.
    show() { assist.show(); summary.show(); },
    // rerender redraws the language-dependent text.
    rerender() {
      renderText();
      if (logged.length) q('log').replaceChildren(...logged.slice().reverse().map(logItem));
      assist.rerender();
      summary.rerender();
    },
    // note shows a line above the summary (e.g. "this call ended long ago").
    note(text) { const n = q('ended-note'); n.textContent = text || ''; n.hidden = !text; },
  };
  renderText();
  return api;
}
