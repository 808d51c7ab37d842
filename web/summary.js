// The after-call summary (event.Summary: in call.ended, GET /v1/calls/{id} and the
// listings): how the call ended and its highest risk, each party's emotion arc as a small
// uPlot chart, the intents and underlying needs heard (TAXONOMY names in the page's
// language), each hint with what the agent did with it, the conversation's shape, and the
// media figures per party. Older summaries lack the after-call fields: each part says so
// or stays out.
import { t, tf, pick, termName } from './i18n.js';
import { el, fmtSeconds } from './common.js';
import { chart, palette } from './charts.js';
import { endReason } from './vocab.js';

const PARTIES = ['customer', 'agent'];

// riskLevel puts a 0..1 risk on the wallboard's words (its default threshold 0.6).
export function riskLevel(r) { return r >= 0.6 ? 'high' : (r >= 0.3 ? 'medium' : 'low'); }

// createSummary draws summaries into box. render may be called again (a rating after the
// call, a language switch); charts are drawn only while box is visible (uPlot needs a
// width) — show() draws what waited.
export function createSummary(box) {
  let charts = [];
  let pending = [];
  let last = null;

  function destroy() {
    for (const c of charts) c.destroy();
    charts = [];
    pending = [];
  }

  function render(s, info = {}) {
    last = { s, info };
    destroy();
    const parts = [head(s, info)];
    const grid = el('div', { class: 'sum-grid' });
    grid.append(arcs(s), asked(s), hints(s, info), dynamics(s));
    parts.push(grid, media(s));
    box.replaceChildren(...parts);
    show();
  }

  // show draws the charts that waited for the box to be visible.
  function show() {
    if (!pending.length || box.clientWidth === 0) return;
    const todo = pending;
    pending = [];
    for (const f of todo) charts.push(f());
  }

  function arcs(s) {
    const sec = el('section', { class: 'sum-arc', 'data-testid': 'sum-arc' }, el('h4', { text: t('sum.arc') }));
    const arc = s.emotion_arc || {};
    const any = PARTIES.some((p) => (arc[p] || []).length);
    if (!any) {
      sec.append(el('p', { class: 'muted small', text: t('sum.noarc') }));
      return sec;
    }
    for (const p of PARTIES) {
      const pts = arc[p] || [];
      if (!pts.length) continue;
      const box = el('div', { class: 'sum-chart', role: 'img', 'data-testid': 'arc-' + p, 'data-points': String(pts.length),
        'aria-label': tf('sum.arc.aria', { party: t('party.' + p) }) });
      sec.append(el('div', { class: 'sum-party ' + p },
        el('div', { class: 'small' }, el('b', { text: t('party.' + p) }), ' · ', arcCaption(pts))), box);
      const xs = pts.map((x) => x.t);
      const data = [xs, pts.map((x) => x.arousal), pts.map((x) => x.valence)];
      pending.push(() => chart(box, [
        { label: t('ag.arousal'), stroke: palette[p], width: 2, points: { show: pts.length < 12, size: 4 } },
        { label: t('ag.valence'), stroke: palette.ink, dash: [5, 4], points: { show: pts.length < 12, size: 4 } },
      ], data, { height: 110, yRange: [-1, 1], cursor: false, xValues: (u, v) => v.map((x) => fmtSeconds(x)),
        xIncrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800],
        xRange: xs.length > 1 ? undefined : [Math.max(0, xs[0] - 5), xs[0] + 5] }));
    }
    return sec;
  }

  // arcCaption: the class heard most, and where the party was most activated.
  function arcCaption(pts) {
    const n = {};
    let peak = pts[0];
    for (const x of pts) {
      n[x.top] = (n[x.top] || 0) + 1;
      if (x.arousal > peak.arousal) peak = x;
    }
    const mostly = Object.entries(n).sort((a, b) => b[1] - a[1])[0][0];
    return tf('sum.mostly', { emo: t('emo.' + mostly) }) + ' · ' +
      tf('sum.peakat', { t: fmtSeconds(peak.t), emo: t('emo.' + peak.top) });
  }

  function chips(list, kind, testid) {
    return el('ul', { class: 'chips', 'data-testid': testid }, ...list.map((c) =>
      el('li', { 'data-id': c.id }, termName(kind, c.id), el('span', { class: 'muted', text: ' ×' + c.count }))));
  }

  function asked(s) {
    const sec = el('section', { class: 'sum-asked' }, el('h4', { text: t('sum.intents') }));
    const intents = s.intents || [];
    sec.append(intents.length ? chips(intents, 'intent', 'sum-intents') : el('p', { class: 'muted small', text: t('sum.nointents') }));
    sec.append(el('h4', { text: t('sum.needs') }));
    const needs = s.needs || [];
    sec.append(needs.length ? chips(needs, 'need', 'sum-needs') : el('p', { class: 'muted small', text: t('sum.noneeds') }));
    return sec;
  }

  function hints(s, info) {
    const sec = el('section', { class: 'sum-hints' }, el('h4', { text: t('sum.hints') }));
    const list = s.hints || [];
    if (!list.length) {
      sec.append(el('p', { class: 'muted small', text: t('sum.nohints') }));
      return sec;
    }
    const ratings = info.ratings || {};
    sec.append(el('ol', { class: 'sum-hintlist', 'data-testid': 'sum-hints' }, ...list.map((h) => {
      const fb = ratings[h.id] || h.feedback || '';
      return el('li', { 'data-hint': h.id, 'data-feedback': fb, 'data-priority': h.priority || 'low' },
        el('span', { class: 'mono muted', text: fmtSeconds(h.t || 0) }),
        el('span', {}, el('b', { text: pick(h.title) || h.rule }),
          h.need ? el('span', { class: 'muted', text: ' · ' + termName('need', h.need) }) : ''),
        el('span', { class: 'outcome', text: t(fb ? 'sum.fb.' + fb.replace('_', '') : 'sum.fb.none') }));
    })));
    return sec;
  }

  function dynamics(s) {
    const d = s.dynamics;
    if (!d) return el('section', { class: 'sum-dyn' }); // an older summary: no figures to show
    const sec = el('section', { class: 'sum-dyn' }, el('h4', { text: t('sum.dyn') }));
    const agentPct = Math.round((d.talk_ratio || 0) * 100);
    const it = d.interruptions || {};
    const stat = (k, v, id) => el('div', { class: 'stat' }, el('div', { class: 'k', text: t(k) }),
      el('div', { class: 'v', 'data-testid': id, text: v }));
    sec.append(el('div', { class: 'stats' },
      stat('sum.share', `${t('ag.c')} ${100 - agentPct} % · ${t('ag.a')} ${agentPct} %`, 'sum-share'),
      stat('sum.longest', `${Math.round(d.longest_silence_s || 0)} s`, 'sum-longest'),
      stat('ag.deadair', `${Math.round(d.dead_air_s || 0)} s`, 'sum-deadair'),
      stat('ag.overtalk', `${(d.overtalk_s || 0).toFixed(1)} s`, 'sum-overtalk'),
      stat('ag.interruptions', `${t('ag.c')} ${it.customer || 0} · ${t('ag.a')} ${it.agent || 0}`, 'sum-interruptions'),
      stat('ag.turns', String(d.turns || 0), 'sum-turns')));
    return sec;
  }

  function media(s) {
    const rows = PARTIES.filter((n) => (s.parties || {})[n]).map((n) => {
      const ps = s.parties[n];
      return el('tr', { 'data-party': n }, el('td', { text: t('party.' + n) }),
        el('td', { text: fmtSeconds(ps.talk_s || 0) }),
        el('td', { text: ps.mean_pitch_hz ? Math.round(ps.mean_pitch_hz) + ' Hz' : '–' }),
        el('td', { text: ps.mean_level_db ? ps.mean_level_db.toFixed(1) + ' dBFS' : '–' }),
        el('td', { text: `${ps.lost || 0} / ${ps.packets || 0}` }));
    });
    const table = el('table', {},
      el('thead', {}, el('tr', {}, el('th', { text: '' }), ...['ag.talk', 'ag.meanpitch', 'ag.meanlevel', 'ag.lost'].map((k) => el('th', { text: t(k) })))),
      el('tbody', {}, ...rows));
    return el('details', { class: 'sum-media' }, el('summary', { class: 'small', text: t('sum.media') }), table);
  }

  return {
    render,
    show,
    destroy,
    // rerender redraws the last summary (language switch, a rating after the call).
    rerender(info) { if (last) render(last.s, info ? { ...last.info, ...info } : last.info); },
  };
}

function head(s, info) {
  const peak = s.peak_risk || 0;
  const lv = riskLevel(peak);
  const parts = [
    el('span', {}, el('span', { class: 'muted', text: t('ag.duration') + ' ' }), el('b', { 'data-testid': 'sum-duration', text: fmtSeconds(s.duration_s || 0) })),
  ];
  if (info.reason) {
    parts.push(el('span', {}, el('span', { class: 'muted', text: t('sum.how') + ': ' }),
      el('b', { 'data-testid': 'sum-reason', 'data-reason': info.reason, text: endReason(info.reason) })));
  }
  parts.push(el('span', {}, el('span', { class: 'muted', text: t('sum.peak') + ' ' }),
    el('span', { class: 'risk-badge', 'data-level': lv, 'data-testid': 'sum-peak', text: peak.toFixed(2) }),
    el('span', { class: 'small', text: ' ' + t('lvl.' + lv) })));
  return el('div', { class: 'sum-head' }, ...parts);
}
