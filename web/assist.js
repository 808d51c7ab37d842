// The agent view's assist panes: each party's emotion (label, confidence, change against
// the caller's own baseline, arousal/valence trace), conversation dynamics, the live
// transcript (partials replaced by the final of the same segment) and hint cards with
// their evidence and feedback buttons. agent.js owns the connection and hands events here.
import { t, currentLang } from './i18n.js';
import { $, el, api, fmtSeconds } from './common.js';
import { chart, palette } from './charts.js';

const MAX_LINES = 300;
const MAX_POINTS = 600;

// pick returns a {nl, en} text in the page's language, falling back to the other one.
export function pick(loc) {
  if (!loc || typeof loc === 'string') return loc || '';
  return (currentLang() === 'nl' ? loc.nl || loc.en : loc.en || loc.nl) || '';
}

// fbKey is the i18n key of a rating (not_useful → fb.notuseful).
const fbKey = (r) => 'fb.' + String(r).replace('_', '');

const signed = (x, digits = 2) => (x >= 0 ? '+' : '−') + Math.abs(x || 0).toFixed(digits);

export function createAssist({ callID, readonly }) {
  const emo = { customer: { d: null, xs: [], ar: [], va: [], chart: null }, agent: { d: null, xs: [], ar: [], va: [], chart: null } };
  const segs = new Map(); // party/segment → {li, d, party}
  const hints = new Map(); // id → {card, d, rating, sending}
  let dyn = null;
  let trStatus = null;
  let alertTimer = null;

  // ---- emotion --------------------------------------------------------------------------
  function emotion(party, ev) {
    const s = emo[party];
    if (!s) return;
    const d = ev.data || {};
    s.d = d;
    s.xs.push(d.end || ev.t || (s.xs.length ? s.xs[s.xs.length - 1] + 1 : 0));
    s.ar.push(d.arousal || 0);
    s.va.push(d.valence || 0);
    if (s.xs.length > MAX_POINTS) { s.xs.shift(); s.ar.shift(); s.va.shift(); }
    const box = $(`#p-${party} [data-role="emo-chart"]`);
    if (!s.chart && box.clientWidth > 0) {
      s.chart = chart(box, [
        { label: t('ag.arousal'), stroke: palette[party] },
        { label: t('ag.valence'), stroke: palette.ink, dash: [5, 4] },
      ], [s.xs, s.ar, s.va], { height: 110, yRange: [-1, 1], xValues: (u, v) => v.map((x) => fmtSeconds(x)),
        xIncrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800] });
    } else if (s.chart) {
      s.chart.setData([s.xs, s.ar, s.va]);
    }
    renderEmotion(party);
  }

  function renderEmotion(party) {
    const d = emo[party].d;
    if (!d) return;
    const root = $(`#p-${party} [data-role="emotion"]`);
    // The headline changes only on evidence and says "unsure" when no class is confidently
    // ahead; arousal (absolute) is the primary cue, with its change against the caller's calm.
    const head = d.headline || d.top || '';
    root.dataset.top = head;
    root.dataset.arousal = d.arousal >= 0.4 ? 'high' : (d.arousal >= 0 ? 'raised' : 'calm');
    const label = root.querySelector('[data-role="emo-label"]');
    label.removeAttribute('data-i18n'); // the placeholder's key must not overwrite the estimate on a language switch
    label.textContent = t('emo.' + head);
    const p = (d.probs || {})[head];
    root.querySelector('[data-role="emo-conf"]').textContent = (head === 'unsure' || p == null ? '' : `${Math.round(p * 100)} % · `) +
      `${t('ag.arousal')} ${signed(d.arousal)} · ${t('ag.valence')} ${signed(d.valence)}`;
    const b = d.baseline || {};
    const base = root.querySelector('[data-role="emo-base"]');
    if (!b.n) {
      base.textContent = t('ag.base.none');
      base.dataset.dir = 'none';
    } else {
      const dir = b.arousal > 0.1 ? 'up' : (b.arousal < -0.1 ? 'down' : 'flat');
      base.dataset.dir = dir;
      base.textContent = `${t('ag.base.' + dir)} · ${t('ag.arousal')} ${signed(b.arousal)} (${t('ag.base.calm')} ${signed(b.level)}), ` +
        `${t('ag.valence')} ${signed(b.valence)} (${t('ag.base.n').replace('{n}', b.n)})`;
    }
  }

  // ---- dynamics -------------------------------------------------------------------------
  function dynamics(d) {
    dyn = d;
    renderDynamics();
  }

  function renderDynamics() {
    if (!dyn) return;
    const d = dyn;
    const set = (k, v, unit) => {
      const e = $(`[data-dyn="${k}"]`);
      e.textContent = v;
      if (unit) e.append(el('small', { text: ' ' + unit }));
    };
    set('overtalk', `${(d.overtalk_s || 0).toFixed(1)} s · ${Math.round((d.overtalk_share || 0) * 100)} %`);
    set('silence', `${(d.silence_now_s || 0).toFixed(0)} s`);
    set('deadair', `${(d.dead_air_s || 0).toFixed(0)} s`);
    const wpm = d.wpm || {};
    const seg = d.segments_per_min || {};
    if (wpm.customer || wpm.agent) {
      set('pace', `${t('ag.c')} ${Math.round(wpm.customer || 0)} · ${t('ag.a')} ${Math.round(wpm.agent || 0)}`, t('ag.wpm'));
    } else {
      set('pace', `${t('ag.c')} ${(seg.customer || 0).toFixed(0)} · ${t('ag.a')} ${(seg.agent || 0).toFixed(0)}`, t('ag.segmin'));
    }
    const it = d.interruptions || {};
    set('interruptions', `${t('ag.c')} ${it.customer || 0} · ${t('ag.a')} ${it.agent || 0}`);
    set('turns', String(d.turns || 0));
  }

  // ---- transcript -----------------------------------------------------------------------
  function transcript(ev) {
    const d = ev.data || {};
    const party = ev.party || 'customer';
    const key = party + '/' + (d.segment || ev.seq);
    const list = $('#transcript');
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    let s = segs.get(key);
    if (!s) {
      const li = el('li', { 'data-party': party, 'data-segment': d.segment || '' },
        el('span', { class: 'who', text: t('party.' + party) }),
        el('span', { class: 'at mono muted', text: fmtSeconds(d.start || 0) }),
        el('span', { class: 'text' }));
      s = { li, d, party };
      segs.set(key, s);
      // keep lines in media-time order: a late final may belong above newer lines
      let before = null;
      for (const other of list.children) {
        if (Number(other.dataset.start) > (d.start || 0)) { before = other; break; }
      }
      list.insertBefore(li, before);
      while (list.children.length > MAX_LINES) {
        const first = list.firstElementChild;
        segs.delete(first.dataset.party + '/' + first.dataset.segment);
        first.remove();
      }
    }
    s.d = d;
    s.li.dataset.start = String(d.start || 0);
    s.li.dataset.final = String(!!d.final);
    s.li.querySelector('.text').textContent = d.text + (d.final ? '' : ' …');
    $('#tr-empty').hidden = true;
    $('#tr-note').hidden = true; // a transcript source exists after all (e.g. the integrator)
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  function transcriptStatus(d) {
    trStatus = d;
    renderTrStatus();
  }

  function renderTrStatus() {
    const note = $('#tr-note');
    if (!trStatus || trStatus.available || segs.size) { note.hidden = true; return; }
    let key = 'ag.tr.noengine';
    if (trStatus.lang === 'nl') key = 'ag.tr.nodutch';
    else if (trStatus.reason === 'unsupported_language') key = 'ag.tr.nolang';
    note.textContent = t(key).replace('{lang}', trStatus.lang || '?');
    note.dataset.reason = trStatus.reason || '';
    note.hidden = false;
  }

  // ---- hints ----------------------------------------------------------------------------
  function hint(d) {
    if (!d.id || hints.has(d.id)) return;
    const h = { d, rating: '', state: '' };
    h.card = el('article', { class: 'hint', 'data-hint': d.id, 'data-priority': d.priority || 'low', 'data-testid': 'hint' });
    hints.set(d.id, h);
    $('#hints').prepend(h.card);
    $('#hints-empty').hidden = true;
    renderHint(h);
  }

  function renderHint(h) {
    const d = h.d;
    const ev = (d.evidence || []).map((e) => el('li', { 'data-kind': e.kind },
      el('span', { class: 'kind', text: t('ev.' + e.kind) }), ' ', el('span', { text: e.detail }),
      el('span', { class: 'mono muted', text: ' · ' + fmtSeconds(e.t || 0) })));
    const parts = [
      el('header', {},
        el('span', { class: 'prio', 'data-priority': d.priority || 'low', text: t('prio.' + (d.priority || 'low')) }),
        el('h4', { text: pick(d.title) })),
    ];
    if (pick(d.underlying_need)) parts.push(el('p', { class: 'need' }, el('b', { text: t('ag.need') + ': ' }), pick(d.underlying_need)));
    if (pick(d.phrasing)) parts.push(el('p', { class: 'phrasing' }, el('b', { text: t('ag.try') + ': ' }), '“' + pick(d.phrasing) + '”'));
    if (ev.length) parts.push(el('div', { class: 'evidence small' }, el('div', { class: 'muted', text: t('ag.evidence') }), el('ul', {}, ...ev)));
    if (!readonly) {
      const group = el('div', { class: 'fb', role: 'group', 'aria-label': t('ag.fb.q') });
      for (const r of ['useful', 'not_useful', 'used']) {
        const b = el('button', { type: 'button', 'data-rating': r, 'data-testid': 'fb-' + r, 'aria-pressed': String(h.rating === r), text: t(fbKey(r)) });
        b.addEventListener('click', () => feedback(h, r));
        group.append(b);
      }
      group.append(el('span', { class: 'fb-state small', role: 'status', 'data-testid': 'fb-state', 'data-state': h.state,
        text: h.state ? t('ag.fb.' + h.state) + (h.err ? ' (' + h.err + ')' : '') : '' }));
      parts.push(group);
    } else if (h.rating) {
      parts.push(el('p', { class: 'small muted', 'data-testid': 'fb-seen', text: t('ag.fb.rated') + ': ' + t(fbKey(h.rating)) }));
    }
    h.card.dataset.rated = h.rating;
    h.card.replaceChildren(...parts);
  }

  async function feedback(h, rating) {
    h.rating = rating;
    h.state = 'sending';
    h.err = '';
    renderHint(h);
    try {
      const res = await api(`/v1/calls/${encodeURIComponent(callID)}/hints/${encodeURIComponent(h.d.id)}/feedback`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ rating }),
      });
      h.state = res.ok ? 'sent' : 'error';
      h.status = res.status;
      if (!res.ok) h.err = String(res.status);
    } catch (e) {
      h.state = 'error';
      h.err = e.message;
    }
    h.card.dataset.status = String(h.status || '');
    renderHint(h);
    const btn = h.card.querySelector(`[data-rating="${rating}"]`);
    if (btn) btn.focus(); // re-rendering replaced the button: keep keyboard focus in place
  }

  function feedbackSeen(d) {
    const h = hints.get(d.hint);
    if (!h || h.state === 'sending') return;
    h.rating = d.rating;
    renderHint(h);
  }

  // ---- alerts ---------------------------------------------------------------------------
  function alert(d) {
    const strip = $('#alert-strip');
    const msg = currentLang() === 'nl' ? d.message_nl || d.message : d.message || d.message_nl;
    strip.dataset.severity = d.severity || 'warning';
    strip.replaceChildren(el('b', { text: t('sev.' + (d.severity || 'warning')) }), ' ', msg || d.kind || '');
    strip.hidden = false;
    clearTimeout(alertTimer);
    alertTimer = setTimeout(() => { strip.hidden = true; }, 20000);
  }

  return {
    // event handles ev and reports whether it was one of the assist panes' types.
    event(ev) {
      switch (ev.type) {
        case 'emotion': emotion(ev.party, ev); return false; // the log lists it too
        case 'dynamics': dynamics(ev.data || {}); return true;
        case 'transcript': transcript(ev); return true;
        case 'transcript.status': transcriptStatus(ev.data || {}); return true;
        case 'hint': hint(ev.data || {}); return false;
        case 'hint.feedback': feedbackSeen(ev.data || {}); return true;
        case 'alert': alert(ev.data || {}); return false;
      }
      return false;
    },
    // rerender redraws the language-dependent text.
    rerender() {
      for (const p of Object.keys(emo)) renderEmotion(p);
      renderDynamics();
      renderTrStatus();
      for (const s of segs.values()) s.li.querySelector('.who').textContent = t('party.' + s.party);
      for (const h of hints.values()) renderHint(h);
    },
  };
}
