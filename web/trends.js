// Wallboard trends: GET /v1/trends (per queue, team or agent, per hour or day) drawn with
// uPlot, one line per group, on a time axis that spans the data (one hour of data is not
// a day-wide axis with one dot), calls without a queue (team, agent) named as such, and a
// sentence instead of an empty frame; and GET /v1/hints/usefulness as a table per hint
// rule, fetched again when an agent rates a hint (ratingSeen).
import { t, onLang, currentLang, pick } from './i18n.js';
import { $, el, api } from './common.js';
import { chart, palette } from './charts.js';

let plot = null;
let last = null; // {points, metric, by, step}
let rules = null;
let rated = new Set(); // rules rated since the table was last fetched
let refetch = null;

function range() {
  const days = Number($('#tr-range').value) || 1;
  const to = new Date();
  to.setUTCMinutes(0, 0, 0);
  to.setUTCHours(to.getUTCHours() + 1);
  const from = new Date(to.getTime() - days * 86400e3);
  return { from: from.toISOString().replace(/\.\d+Z$/, 'Z'), to: to.toISOString().replace(/\.\d+Z$/, 'Z') };
}

async function load() {
  const { from, to } = range();
  let bucket = $('#tr-bucket').value;
  if (bucket === 'hour' && Number($('#tr-range').value) > 31) bucket = 'day';
  const q = new URLSearchParams({ from, to, bucket, by: $('#tr-by').value });
  const msg = $('#trend-msg');
  msg.textContent = t('wb.loading');
  try {
    const res = await api('/v1/trends?' + q);
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.error || res.status);
    last = { points: body.points || [], metric: $('#tr-metric').value, by: $('#tr-by').value,
      step: (body.bucket || bucket) === 'day' ? 86400 : 3600 };
    draw();
  } catch (e) {
    msg.textContent = t('wb.trenderror') + ': ' + e.message;
  }
  await loadRules();
}

async function loadRules() {
  const { from, to } = range();
  try {
    const res = await api('/v1/hints/usefulness?' + new URLSearchParams({ from, to }));
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.error || res.status);
    rules = body.rules || [];
    drawRules();
  } catch (e) {
    $('#use-msg').textContent = t('wb.trenderror') + ': ' + e.message;
  }
}

// ratingSeen is told of every hint.feedback on the wallboard's stream: the usefulness
// table is fetched again and the rated rule marked. The store writes ratings in batches,
// so it asks twice: soon, and once more after the next batch has surely landed.
export function ratingSeen(d) {
  if (d.rule) rated.add(d.rule);
  if (refetch) return;
  refetch = setTimeout(async () => {
    await loadRules();
    setTimeout(async () => { refetch = null; await loadRules(); }, 3000);
  }, 1000);
}

// groupName is a trend line's label: calls without a queue (team, agent) are named so.
function groupName(key) {
  if (key) return key;
  return t({ queue: 'wb.noqueue', team: 'wb.noteam', agent: 'wb.noagent' }[last.by] || 'wb.noqueue');
}

// draw puts one series per group key on a shared time axis (null where a group has no
// bucket, so lines break instead of inventing zeros).
function draw() {
  const box = $('#trend-chart');
  const msg = $('#trend-msg');
  if (plot) { plot.destroy(); plot = null; }
  const empty = !last || !last.points.length;
  $('#trend-empty').hidden = !empty;
  box.hidden = empty;
  if (empty) {
    msg.textContent = ''; // the empty chart's own sentence says it
    box.dataset.points = '0';
    return;
  }
  const m = last.metric;
  const xs = [...new Set(last.points.map((p) => Date.parse(p.bucket) / 1000))].sort((a, b) => a - b);
  const keys = [...new Set(last.points.map((p) => p.key || ''))].sort();
  const at = new Map(xs.map((x, i) => [x, i]));
  const ys = keys.map(() => xs.map(() => null));
  for (const p of last.points) ys[keys.indexOf(p.key || '')][at.get(Date.parse(p.bucket) / 1000)] = p[m] ?? null;
  const series = keys.map((k, i) => ({
    label: groupName(k), stroke: palette.series[i % palette.series.length], dash: palette.dashes[i % palette.dashes.length],
    width: 2, points: { show: xs.length < 40, size: 6 },
  }));
  const bounded = m === 'negative_share' ? [0, 1] : (m === 'mean_arousal' || m === 'mean_valence' ? [-1, 1] : null);
  // The axis spans the buckets that hold data, half a bucket either side (so one bucket is
  // a point in the middle of one bucket's width, not a dot at the edge of a day).
  const span = [xs[0] - last.step / 2, xs[xs.length - 1] + last.step / 2];
  plot = chart(box, series, [xs, ...ys], { height: 220, time: true, legend: true, yRange: bounded || [0, null],
    xRange: span, xValues: tickFormat(span[1] - span[0]) });
  box.dataset.points = String(last.points.length);
  box.dataset.span = String(span[1] - span[0]);
  box.dataset.groups = keys.map(groupName).join('|');
  msg.textContent = `${t('m.' + metricKey(m))} · ${keys.length} ${t('wb.groups')} · ${xs.length} ${t('wb.buckets')}`;
}

// tickFormat labels time ticks in the page's language, 24-hour clock: hours within a day,
// day and hour within a week, dates beyond.
function tickFormat(spanS) {
  const loc = currentLang() === 'nl' ? 'nl-NL' : 'en-GB';
  const o = spanS <= 86400 ? { hour: '2-digit', minute: '2-digit' }
    : (spanS <= 8 * 86400 ? { day: 'numeric', month: 'short', hour: '2-digit' } : { day: 'numeric', month: 'short' });
  const f = new Intl.DateTimeFormat(loc, o);
  return (u, vals) => vals.map((v) => f.format(new Date(v * 1000)));
}

function metricKey(m) {
  return { negative_share: 'negative', mean_arousal: 'arousal', mean_valence: 'valence', calls: 'calls', hints_raised: 'hints', hints_useful: 'useful' }[m];
}

function drawRules() {
  const table = $('#usefulness');
  if (!rules.length) { table.hidden = true; $('#use-msg').textContent = t('wb.norules'); return; }
  $('#use-msg').textContent = rated.size ? t('wb.useupdated') : '';
  table.hidden = false;
  table.tBodies[0].replaceChildren(...rules.map((r) => {
    const share = Math.round((r.useful_share || 0) * 100);
    const title = pick(r.titles) || r.title || r.rule_id; // titles: {nl, en}
    return el('tr', { 'data-rule': r.rule_id, 'data-useful': String(r.useful), 'data-rated': String(rated.has(r.rule_id)) },
      el('td', {}, el('div', { text: title }), el('div', { class: 'mono muted small', text: r.rule_id })),
      el('td', { class: 'mono', text: String(r.raised) }), el('td', { class: 'mono', text: String(r.useful) }),
      el('td', { class: 'mono', text: String(r.not_useful) }), el('td', { class: 'mono', text: String(r.used) }),
      el('td', {}, el('span', { class: 'mono', text: share + ' %' }),
        el('span', { class: 'riskbar share', 'aria-hidden': 'true' }, el('span', { style: `width:${share}%` }))));
  }));
}

export function initTrends() {
  $('#trend-form').addEventListener('submit', (e) => { e.preventDefault(); load(); });
  for (const id of ['#tr-range', '#tr-bucket', '#tr-by']) $(id).addEventListener('change', load);
  $('#tr-metric').addEventListener('change', () => { if (last) { last.metric = $('#tr-metric').value; draw(); } });
  onLang(() => { draw(); if (rules) drawRules(); });
  load();
}
