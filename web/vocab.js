// The server's domain words in the viewer's language: why a call ended, the evidence
// behind a hint, and the wallboard's reasons. The server writes evidence and reasons as
// English sentences from fixed patterns (internal/hints/match.go, internal/wallboard);
// each pattern here turns one back into its parts and says it again in the page's
// language, with TAXONOMY ids and emotion classes named (i18n.js). A sentence no pattern
// knows is shown as it came.
import { t, tf, termName, isTerm } from './i18n.js';

const END_REASONS = ['hangup', 'connection_lost', 'timeout', 'shutdown', 'error', 'interrupted'];

// endReason is a call's end reason as people say it ("connection lost", never "hung up"
// for a broken connection).
export function endReason(r) {
  if (!r) return '';
  return END_REASONS.includes(r) ? t('end.' + r) : String(r).replaceAll('_', ' ');
}

const emo = (c) => t('emo.' + c);
const num = (s) => s.replace('-', '−');

const EVIDENCE = [
  [/^need (\w+) ([\d.]+)(?:: (.*))?$/s, (m) => tf('evd.need', { need: termName('need', m[1]), p: m[2] }) + (m[3] ? ': ' + m[3] : '')],
  [/^customer sounds (\w+) \(([\d.]+)\)$/, (m) => tf('evd.sounds', { emo: emo(m[1]), p: m[2] })],
  [/^arousal ([+-][\d.]+) above the caller's own baseline$/, (m) => tf('evd.arousalup', { x: num(m[1]) })],
  [/^valence ([+-][\d.]+) below the caller's own baseline$/, (m) => tf('evd.valencedown', { x: num(m[1]) })],
  [/^(arousal|negative emotion) rising over the last (\d+) utterances: (.*)$/, (m) =>
    tf('evd.rising', { what: m[1] === 'arousal' ? t('ag.arousal') : t('evd.negative'), n: m[2], vals: m[3] })],
  [/^customer asks again: (".*") \(earlier: (".*")\)$/s, (m) => tf('evd.again', { now: m[1], before: m[2] })],
  [/^(\d+) s of silence on the line$/, (m) => tf('evd.silence', { n: m[1] })],
  [/^agent talking over the customer$/, () => t('evd.overtalk')],
  [/^agent cut the customer off (\d+) times$/, (m) => tf('evd.cutoff', { n: m[1] })],
  [/^agent has (\d+)% of the talk time$/, (m) => tf('evd.talkshare', { n: m[1] })],
  // an intent: "billing_question 0.83: "factuur", "hoog"" (last: any id-like word)
  [/^(\w+) ([\d.]+)(?:: (.*))?$/s, (m) => isTerm('intent', m[1])
    ? tf('evd.intent', { intent: termName('intent', m[1]), p: m[2] }) + (m[3] ? ': ' + m[3] : '') : null],
];

// evidenceText says a hint's evidence detail in the page's language.
export function evidenceText(detail) {
  const s = String(detail || '');
  for (const [re, say] of EVIDENCE) {
    const m = re.exec(s);
    if (m) {
      const out = say(m);
      if (out != null) return out;
    }
  }
  return s;
}

// whyText says one of the wallboard's reasons in the page's language, in agreement with
// the status it came with: the negative-emotion reason names the share it is about, so it
// never reads "negative emotion (angry)" beside a customer who is "happy 77 %".
export function whyText(r, customer) {
  const m = /^negative emotion \((\w+)\)/.exec(r);
  if (m) {
    const c = customer || {};
    const p = Math.round((c.negative || 0) * 100);
    const neg = ['angry', 'sad', 'fearful'].includes(c.top);
    if (!c.top || neg) return tf('why.negshare', { p, emo: emo(neg ? c.top : m[1]) });
    return tf('why.undertone', { top: emo(c.top), p, emo: emo(m[1]) });
  }
  if (r.startsWith('arousal above')) return t('why.arousal');
  if (r.startsWith('high arousal')) return t('why.higharousal');
  if (r.startsWith('getting worse')) return t('why.trend');
  if (r.startsWith('escalation')) return t('why.alerts');
  if (r.startsWith('long silence')) return t('why.silence');
  return r;
}
