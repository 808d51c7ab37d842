// UI text in English and Dutch. Elements carry data-i18n="key" (text) or
// data-i18n-title / data-i18n-placeholder / data-i18n-aria (attributes).
export const strings = {
  en: {
    'app.name': 'Undertone',
    'lang.toggle': 'Nederlands',
    'lang.toggle.aria': 'Switch the language to Dutch',
    'index.title': 'Undertone',
    'index.lead': 'Real-time speech cues for contact-centre calls.',
    'index.softphone': 'Softphone',
    'index.softphone.desc': 'Publish your microphone (or a test file) as one party of a call, over WHIP.',
    'index.agent': 'Agent view',
    'index.agent.desc': 'Live cues of one call: level, pitch, speaking, talk time, events.',
    'index.calls': 'Calls',
    'index.calls.none': 'No calls yet. Start one with the softphone.',
    'index.calls.notoken': 'Add ?token=… to the address to list calls.',
    'index.calls.error': 'Could not list calls',
    'col.call': 'Call',
    'col.state': 'State',
    'col.source': 'Source',
    'col.parties': 'Parties',
    'col.started': 'Started',
    'col.open': 'Open',
    'open.agent': 'agent view',
    'party.customer': 'Customer',
    'party.agent': 'Agent',
    'state.live': 'live',
    'state.ended': 'ended',
    'state.interrupted': 'interrupted',
    'state.waiting': 'waiting',
    'sp.title': 'Softphone',
    'sp.party': 'I am the',
    'sp.call': 'Call id',
    'sp.token': 'Token',
    'sp.start': 'Start',
    'sp.stop': 'Stop',
    'sp.state': 'State',
    'sp.level': 'Microphone level',
    'sp.agentlink': 'Open the agent view of this call',
    'sp.idle': 'idle',
    'sp.mic': 'asking for the microphone…',
    'sp.offer': 'sending the offer…',
    'sp.connecting': 'connecting…',
    'sp.connected': 'connected — publishing',
    'sp.stopped': 'stopped',
    'sp.failed': 'failed',
    'sp.hint': 'Audio goes to this server only. Echo cancellation, noise suppression and gain control are off, so the levels are your own.',
    'ag.title': 'Agent view',
    'ag.call': 'Call',
    'ag.nocall': 'Which call? Enter its id.',
    'ag.open': 'Open',
    'ag.conn': 'Connection',
    'conn.connecting': 'connecting…',
    'conn.open': 'connected',
    'conn.retry': 'reconnecting…',
    'conn.closed': 'closed',
    'ag.level': 'Level',
    'ag.pitch': 'Pitch',
    'ag.speaking': 'speaking',
    'ag.quiet': 'quiet',
    'ag.talk': 'Talk time',
    'ag.ratio': 'Talk ratio',
    'ag.emotion': 'Tone',
    'ag.arousal': 'arousal',
    'ag.valence': 'valence',
    'ag.trace': 'Last 60 s: level (area), pitch (dots), speech (band)',
    'ag.events': 'Events',
    'ag.eventcount': 'events',
    'ag.summary': 'Summary',
    'ag.duration': 'Duration',
    'ag.meanpitch': 'Mean pitch',
    'ag.meanlevel': 'Mean level',
    'ag.lost': 'Lost packets',
    'ag.noevents': 'Events other than the live meters appear here.',
    'ag.notjoined': 'not joined',
    'ag.estimate': 'estimate',
    'ag.peak': 'peak',
    'emo.neutral': 'neutral',
    'emo.angry': 'angry',
    'emo.happy': 'happy',
    'emo.sad': 'sad',
    'emo.fearful': 'worried',
  },
  nl: {
    'app.name': 'Undertone',
    'lang.toggle': 'English',
    'lang.toggle.aria': 'Wissel de taal naar Engels',
    'index.title': 'Undertone',
    'index.lead': 'Realtime spraaksignalen voor klantcontactgesprekken.',
    'index.softphone': 'Softphone',
    'index.softphone.desc': 'Stuur je microfoon (of een testbestand) als één partij van een gesprek, via WHIP.',
    'index.agent': 'Agentweergave',
    'index.agent.desc': 'Live signalen van één gesprek: niveau, toonhoogte, spreken, spreektijd, gebeurtenissen.',
    'index.calls': 'Gesprekken',
    'index.calls.none': 'Nog geen gesprekken. Start er een met de softphone.',
    'index.calls.notoken': 'Voeg ?token=… aan het adres toe om gesprekken te zien.',
    'index.calls.error': 'Gesprekken ophalen mislukt',
    'col.call': 'Gesprek',
    'col.state': 'Status',
    'col.source': 'Bron',
    'col.parties': 'Partijen',
    'col.started': 'Begonnen',
    'col.open': 'Openen',
    'open.agent': 'agentweergave',
    'party.customer': 'Klant',
    'party.agent': 'Agent',
    'state.live': 'live',
    'state.ended': 'beëindigd',
    'state.interrupted': 'onderbroken',
    'state.waiting': 'wachten',
    'sp.title': 'Softphone',
    'sp.party': 'Ik ben de',
    'sp.call': 'Gespreks-id',
    'sp.token': 'Token',
    'sp.start': 'Start',
    'sp.stop': 'Stop',
    'sp.state': 'Status',
    'sp.level': 'Microfoonniveau',
    'sp.agentlink': 'Open de agentweergave van dit gesprek',
    'sp.idle': 'gereed',
    'sp.mic': 'microfoon aanvragen…',
    'sp.offer': 'aanbod versturen…',
    'sp.connecting': 'verbinden…',
    'sp.connected': 'verbonden — bezig met zenden',
    'sp.stopped': 'gestopt',
    'sp.failed': 'mislukt',
    'sp.hint': 'Audio gaat alleen naar deze server. Echo-onderdrukking, ruisonderdrukking en automatische versterking staan uit, dus de niveaus zijn echt.',
    'ag.title': 'Agentweergave',
    'ag.call': 'Gesprek',
    'ag.nocall': 'Welk gesprek? Vul het id in.',
    'ag.open': 'Openen',
    'ag.conn': 'Verbinding',
    'conn.connecting': 'verbinden…',
    'conn.open': 'verbonden',
    'conn.retry': 'opnieuw verbinden…',
    'conn.closed': 'gesloten',
    'ag.level': 'Niveau',
    'ag.pitch': 'Toonhoogte',
    'ag.speaking': 'spreekt',
    'ag.quiet': 'stil',
    'ag.talk': 'Spreektijd',
    'ag.ratio': 'Spreekverhouding',
    'ag.emotion': 'Toon',
    'ag.arousal': 'activatie',
    'ag.valence': 'valentie',
    'ag.trace': 'Laatste 60 s: niveau (vlak), toonhoogte (punten), spraak (band)',
    'ag.events': 'Gebeurtenissen',
    'ag.eventcount': 'gebeurtenissen',
    'ag.summary': 'Samenvatting',
    'ag.duration': 'Duur',
    'ag.meanpitch': 'Gem. toonhoogte',
    'ag.meanlevel': 'Gem. niveau',
    'ag.lost': 'Verloren pakketten',
    'ag.noevents': 'Gebeurtenissen naast de live meters verschijnen hier.',
    'ag.notjoined': 'niet aanwezig',
    'ag.estimate': 'schatting',
    'ag.peak': 'piek',
    'emo.neutral': 'neutraal',
    'emo.angry': 'boos',
    'emo.happy': 'blij',
    'emo.sad': 'verdrietig',
    'emo.fearful': 'bezorgd',
  },
};

const params = new URLSearchParams(location.search);
let lang = params.get('lang') === 'nl' ? 'nl' : (params.get('lang') === 'en' ? 'en' : (localStorage.getItem('undertone.lang') || 'en'));
if (!strings[lang]) lang = 'en';
const listeners = [];

// t returns the text for key in the current language (the key itself when missing).
export function t(key) {
  return strings[lang][key] ?? strings.en[key] ?? key;
}

export function currentLang() { return lang; }

// onLang registers fn to run after every language switch (pages re-render dynamic text).
export function onLang(fn) { listeners.push(fn); }

// apply translates every marked element under root.
export function apply(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
}

export function setLang(l) {
  lang = strings[l] ? l : 'en';
  try { localStorage.setItem('undertone.lang', lang); } catch { /* private mode */ }
  const u = new URL(location.href);
  u.searchParams.set('lang', lang);
  history.replaceState(null, '', u);
  apply();
  for (const fn of listeners) fn(lang);
}

// wireToggle makes button switch between English and Dutch.
export function wireToggle(button) {
  button.addEventListener('click', () => setLang(lang === 'nl' ? 'en' : 'nl'));
}
