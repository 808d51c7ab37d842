// Softphone: publishes the microphone as one party of a call over WHIP (RFC 9725).
// getUserMedia → RTCPeerConnection (one sendonly audio transceiver) → POST the complete
// offer (non-trickle: we wait for ICE gathering) → set the server's answer. Stop sends
// DELETE to the session's Location. A source that stops giving sound says so: a track
// that ends ("the microphone stopped"), or a capture that had sound and then stays below
// −90 dBFS for 2 s — below any microphone's own noise (−70…−60 dBFS), at the level of a
// 16-bit file's dither: a test file played once has ended (Chromium's fake device then
// repeats its last, silent, 10 ms) and the call now carries silence.
import { t, onLang } from './i18n.js';
import { $, params, randomCallID, pageURL, initPage } from './common.js';

const form = $('#form');
const partySel = $('#party');
const callIn = $('#call');
const tokenIn = $('#token');
const startBtn = $('#start');
const stopBtn = $('#stop');
const stateEl = $('#state');
const errEl = $('#error');
const meter = $('#meter');
const levelDB = $('#level-db');
const agentLink = $('#agent-link');

let pc = null;
let stream = null;
let location_ = null; // WHIP session URL
let audioCtx = null;
let meterTimer = null;
let stateKey = 'sp.idle';
let stateCode = 'idle';
let heard = false; // the source gave sound at least once
let zeroSince = 0; // performance.now() when exact silence began, 0 while there is sound

partySel.value = params.get('party') === 'agent' ? 'agent' : 'customer';
callIn.value = params.get('call') || randomCallID();
tokenIn.value = params.get('token') || '';

function setState(code, key) {
  stateCode = code;
  stateKey = key;
  stateEl.dataset.state = code;
  stateEl.textContent = t(key);
}

function updateLink() {
  const u = new URL(pageURL('agent.html', { call: callIn.value.trim() }), location.href);
  if (tokenIn.value) u.searchParams.set('token', tokenIn.value);
  agentLink.href = u.pathname + u.search;
}

function showError(msg) { errEl.textContent = msg || ''; }

// startMeter shows the local level (RMS dBFS over the analyser's window) ten times a second.
function startMeter(s) {
  try {
    audioCtx = new AudioContext();
    const src = audioCtx.createMediaStreamSource(s);
    const an = audioCtx.createAnalyser();
    an.fftSize = 2048;
    src.connect(an);
    const buf = new Float32Array(an.fftSize);
    audioCtx.resume().catch(() => {});
    meterTimer = setInterval(() => {
      an.getFloatTimeDomainData(buf);
      let sum = 0;
      for (let i = 0; i < buf.length; i++) sum += buf[i] * buf[i];
      const rms = Math.sqrt(sum / buf.length);
      sourceSilence(rms);
      const db = rms > 0 ? Math.max(-100, 20 * Math.log10(rms)) : -100;
      const pct = Math.max(0, Math.min(100, (db + 60) / 60 * 100));
      meter.firstElementChild.style.width = pct + '%';
      meter.setAttribute('aria-valuenow', db.toFixed(0));
      levelDB.textContent = (db <= -99 ? '–' : db.toFixed(1)) + ' dBFS';
      levelDB.dataset.dbfs = db.toFixed(1);
    }, 100);
  } catch (e) {
    console.warn('level meter unavailable', e);
  }
}

// sourceSilence watches for the source going digitally silent after it had sound.
const DIGITAL_SILENCE = 10 ** (-90 / 20);
function sourceSilence(rms) {
  if (rms > DIGITAL_SILENCE) {
    heard = true;
    zeroSince = 0;
    if (stateCode === 'source-ended') setState('connected', 'sp.connected');
    return;
  }
  if (!heard || stateCode !== 'connected') return;
  if (!zeroSince) zeroSince = performance.now();
  else if (performance.now() - zeroSince > 2000) setState('source-ended', 'sp.fileended');
}

function stopMeter() {
  clearInterval(meterTimer);
  meterTimer = null;
  if (audioCtx) audioCtx.close().catch(() => {});
  audioCtx = null;
  meter.firstElementChild.style.width = '0%';
  levelDB.textContent = '– dBFS';
}

// waitGathering resolves when ICE gathering completes, or after ms (we then send what we have).
function waitGathering(conn, ms) {
  if (conn.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { conn.removeEventListener('icegatheringstatechange', check); clearTimeout(timer); resolve(); };
    const check = () => { if (conn.iceGatheringState === 'complete') done(); };
    const timer = setTimeout(done, ms);
    conn.addEventListener('icegatheringstatechange', check);
  });
}

async function start() {
  showError('');
  const party = partySel.value;
  const token = tokenIn.value.trim();
  startBtn.disabled = true;
  partySel.disabled = callIn.disabled = tokenIn.disabled = true;
  try {
    setState('connecting', 'sp.mic');
    stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 },
      video: false,
    });
    startMeter(stream);
    pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    pc.addEventListener('connectionstatechange', () => {
      const s = pc && pc.connectionState;
      if (s === 'connected' && stateCode !== 'source-ended') setState('connected', 'sp.connected');
      else if (s === 'failed') { setState('failed', 'sp.failed'); showError('WebRTC connection failed'); }
      else if (s === 'disconnected') setState('retry', 'sp.connecting');
    });
    const track = stream.getAudioTracks()[0];
    heard = false;
    zeroSince = 0;
    track.addEventListener('ended', () => { if (pc) setState('source-ended', 'sp.micended'); });
    pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    setState('connecting', 'sp.offer');
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    await waitGathering(pc, 3000);
    // The stream id tells the server which party this track is; the browser picks a random
    // one, so name it after the party in what we send (the local description is unchanged).
    const sdp = pc.localDescription.sdp.split(stream.id).join(party);
    const q = new URLSearchParams({ party });
    const call = callIn.value.trim();
    if (call) q.set('call', call);
    // Call metadata from the page's address: agent, team, queue, playbook, and the call's
    // language as calllang (the page's own lang= is the UI language).
    for (const k of ['agent', 'team', 'queue', 'playbook']) if (params.get(k)) q.set(k, params.get(k));
    if (params.get('calllang')) q.set('lang', params.get('calllang'));
    const res = await fetch('/v1/whip?' + q, {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp', ...(token ? { Authorization: 'Bearer ' + token } : {}) },
      body: sdp,
    });
    if (res.status !== 201) {
      let msg = res.status + ' ' + res.statusText;
      try { const j = await res.json(); if (j.error) msg += ': ' + j.error; } catch { /* not JSON */ }
      throw new Error('WHIP: ' + msg);
    }
    location_ = new URL(res.headers.get('Location'), location.href).href;
    const assigned = res.headers.get('X-Undertone-Call');
    if (assigned) callIn.value = assigned;
    updateLink();
    setState('connecting', 'sp.connecting');
    await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    stopBtn.disabled = false;
  } catch (e) {
    console.error(e);
    showError(e.message || String(e));
    await teardown(false);
    setState('failed', 'sp.failed');
  }
}

async function teardown(sendDelete) {
  const loc = location_;
  location_ = null;
  if (sendDelete && loc) {
    const token = tokenIn.value.trim();
    try {
      await fetch(loc, { method: 'DELETE', headers: token ? { Authorization: 'Bearer ' + token } : {} });
    } catch (e) { console.warn('WHIP DELETE', e); }
  }
  if (pc) pc.close();
  pc = null;
  if (stream) for (const tr of stream.getTracks()) tr.stop();
  stream = null;
  stopMeter();
  startBtn.disabled = false;
  stopBtn.disabled = true;
  partySel.disabled = callIn.disabled = tokenIn.disabled = false;
}

form.addEventListener('submit', (ev) => { ev.preventDefault(); if (!pc) start(); });
stopBtn.addEventListener('click', async () => { await teardown(true); setState('stopped', 'sp.stopped'); });
callIn.addEventListener('input', updateLink);
tokenIn.addEventListener('input', updateLink);
window.addEventListener('pagehide', () => {
  if (location_) {
    // Best effort: a page that goes away hangs up its call.
    fetch(location_, { method: 'DELETE', keepalive: true,
      headers: tokenIn.value ? { Authorization: 'Bearer ' + tokenIn.value.trim() } : {} });
  }
});
onLang(() => { setState(stateCode, stateKey); updateLink(); });

initPage();
setState('idle', 'sp.idle');
updateLink();
