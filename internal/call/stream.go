package call

import (
	"math"
	"slices"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/undertone/undertone/internal/codec"
	"github.com/undertone/undertone/internal/dsp"
	"github.com/undertone/undertone/internal/event"
)

// Stream is one party's audio path in a call: decode → 16 kHz and 8 kHz branches → 10 ms
// hops → level (16 kHz), pitch (8 kHz), voice activity → analyzers → live cue events.
//
// No sample-rate round trips: an 8 kHz codec (G.711, 8 kHz L16 and slin) feeds the 8 kHz
// pitch branch with its own samples, delayed to line up as the decimated branch of other
// codecs does (see setRate), and is upsampled once for the 16 kHz branch; a 16 kHz
// source (Opus, which codec.ForCodec decodes straight to 16 kHz) is decimated once for
// the pitch branch; anything else is resampled to 16 kHz, then decimated.
//
// A Stream is fed by exactly one goroutine (its ingest loop, started with Call.Go); its
// methods are not safe for concurrent use, and after the call's goroutines have stopped the
// call itself flushes it. Steady state does not allocate per packet or per hop; each cue
// event allocates its body (see emitCue).
type Stream struct {
	c      *Call
	party  event.Party
	codec  string
	offset time.Duration // media time of the stream's first sample, since the call started

	dec     codec.Decoder
	seq     codec.SeqTracker
	pcm     []int16        // decode buffer
	lastLen int            // samples in the last decoded packet, for concealment
	rs      *dsp.Resampler // codec rate → 16 kHz
	rsRate  int
	pend    []float32  // 16 kHz samples not yet a full hop
	pend8   []float32  // 8 kHz codecs: their samples not yet a full hop, delayed to line up with pend
	front   *dsp.Front // windows, level, pitch and spectrum of each hop
	vad     *dsp.VAD
	hop     Hop
	an      []Analyzer

	pace    pacer  // holds the feeding goroutine to real time
	samples uint64 // 16 kHz samples processed
	last    atomic.Int64
	left    atomic.Bool // set by the feeding goroutine, read by the others' Leave

	// cue encoding: payloads are appended here (emitCue)
	cue                  []byte
	mLevel, mPitch, mVAD prometheus.Counter
	vadData              event.VADData

	// live cue aggregation over one CueInterval
	hopsPerCue int
	nHops      int
	pow        float64
	peak       float64
	voicedHz   []float64
	confSum    float64
	speech     bool
	vadSent    bool   // a vad event has been sent at least once
	vadSentAt  uint64 // samples at the last vad event (a change or the periodic repeat)
	vadMoveAt  uint64 // samples at the last vad event that carried a change
	vadPending bool
	pitchWasOn bool

	// summary
	talkHops, levelHops, pitchHops uint64
	levelSum, pitchSum             float64
	packets, lost, decErr          uint64

	mPackets, mLost, mDecErr, mFrames prometheus.Counter
	mDecode, mAnalysis                prometheus.Observer
}

func newStream(c *Call, p event.Party, codecName string, offset time.Duration) *Stream {
	s := &Stream{c: c, party: p, codec: codecName, offset: offset,
		pend:  make([]float32, 0, 2048), // a 120 ms packet at 16 kHz and a hop left over; grows if ever short
		pend8: make([]float32, 0, 1024),
		cue:   make([]byte, 0, 64),
		front: dsp.NewFront(),
		vad:   dsp.NewVAD(dsp.VADConfig{HopMs: 10}),
	}
	s.pace = newPacer(c.cfg.Burst, c.cfg.Now, c.cfg.Sleep)
	held := c.cfg.Metrics.AudioHeld
	s.pace.onHeld = func(d time.Duration) { held.Add(d.Seconds()) }
	s.hopsPerCue = max(1, int(c.cfg.CueInterval/(10*time.Millisecond)))
	s.voicedHz = make([]float64, 0, s.hopsPerCue)
	s.hop.Party = p
	s.peak = -100
	for _, f := range c.cfg.Analyzers {
		if a := f(c.id, p); a != nil {
			s.an = append(s.an, a)
		}
	}
	m := c.cfg.Metrics
	s.mPackets = m.Packets.WithLabelValues(codecName)
	s.mLost = m.PacketsLost.WithLabelValues(codecName)
	s.mDecErr = m.DecodeErrors.WithLabelValues(codecName)
	s.mFrames = m.Frames
	s.mDecode = m.StageLatency.WithLabelValues("decode")
	s.mAnalysis = m.StageLatency.WithLabelValues("analysis")
	s.mLevel = m.Events.WithLabelValues(event.Level)
	s.mPitch = m.Events.WithLabelValues(event.Pitch)
	s.mVAD = m.Events.WithLabelValues(event.VAD)
	s.last.Store(c.cfg.Now().UnixNano())
	return s
}

// Party returns the party this stream carries.
func (s *Stream) Party() event.Party { return s.party }

// SetDecoder sets the codec of the packets passed to WriteRTP and WriteFrame.
// Its decode buffer holds the longest packet the codec makes: 120 ms (Opus), and at least
// 1920 samples (a 1500-byte G.711 payload is 1500).
func (s *Stream) SetDecoder(d codec.Decoder) {
	s.dec = d
	if d == nil {
		return
	}
	if n := max(1920, d.SampleRate()*120/1000); len(s.pcm) < n {
		s.pcm = make([]int16, n)
	}
}

// WriteRTP decodes one RTP payload with its sequence number: duplicates and late packets
// are dropped, gaps are concealed by the decoder (zero-fill or fade) and counted.
func (s *Stream) WriteRTP(seq uint16, payload []byte) {
	lost, ok := s.seq.Push(seq)
	if !ok {
		return
	}
	if lost > 0 {
		s.lost += uint64(lost)
		s.mLost.Add(float64(lost))
		n := s.lastLen
		if n == 0 && s.dec != nil {
			n = s.dec.SampleRate() / 50 // 20 ms
		}
		for i := 0; i < lost && i < 10 && s.dec != nil; i++ { // at most 200 ms of concealment
			k := s.dec.Conceal(s.pcm, n)
			s.process(s.pcm[:k], s.dec.SampleRate())
		}
	}
	s.WriteFrame(payload)
}

// WriteFrame decodes one payload that carries no sequence number (e.g. websocket media).
func (s *Stream) WriteFrame(payload []byte) {
	s.touch()
	s.packets++
	s.mPackets.Inc()
	if s.dec == nil {
		s.countDecodeError(errNoDecoder)
		return
	}
	start := time.Now()
	n, err := s.dec.Decode(payload, s.pcm)
	s.mDecode.Observe(time.Since(start).Seconds())
	if err != nil {
		s.countDecodeError(err)
		return
	}
	if n == 0 {
		return // e.g. an RTP padding-only packet
	}
	s.lastLen = n
	s.process(s.pcm[:n], s.dec.SampleRate())
}

// WritePCM feeds signed 16-bit mono samples at rate Hz (e.g. AudioSocket slin).
func (s *Stream) WritePCM(pcm []int16, rate int) {
	s.touch()
	s.packets++
	s.mPackets.Inc()
	s.process(pcm, rate)
}

func (s *Stream) touch() { s.last.Store(s.c.cfg.Now().UnixNano()) }

func (s *Stream) lastInput() time.Time { return time.Unix(0, s.last.Load()) }

func (s *Stream) countDecodeError(err error) {
	s.decErr++
	s.mDecErr.Inc()
	if s.decErr == 1 || s.decErr%500 == 0 {
		s.c.log.Warn("audio decode error", "party", s.party, "codec", s.codec, "count", s.decErr, "err", err)
	}
}

func (s *Stream) process(pcm []int16, rate int) {
	if s.left.Load() || len(pcm) == 0 || rate <= 0 {
		return
	}
	if !s.pace.take(s.c.ctx, time.Duration(len(pcm))*time.Second/time.Duration(rate)) {
		return // the call ended while the sender was held back
	}
	if s.rs == nil || s.rsRate != rate {
		if err := s.setRate(rate); err != nil {
			s.countDecodeError(err)
			return
		}
	}
	start := time.Now()
	s.pend = s.rs.Process(s.pend, pcm)
	direct := rate == SampleRate/2
	if direct {
		n := len(s.pend8)
		s.pend8 = slices.Grow(s.pend8, len(pcm))[:n+len(pcm)]
		dsp.Int16ToFloat(s.pend8[n:], pcm)
	}
	i := 0
	for ; i+HopSamples <= len(s.pend); i += HopSamples {
		var x8 []float32
		if j := i / 2; direct && j+HopSamples/2 <= len(s.pend8) {
			x8 = s.pend8[j : j+HopSamples/2]
		}
		s.step(s.pend[i:i+HopSamples], x8)
	}
	s.pend = s.pend[:copy(s.pend, s.pend[i:])]
	if direct {
		s.pend8 = s.pend8[:copy(s.pend8, s.pend8[min(i/2, len(s.pend8)):])]
	}
	s.mAnalysis.Observe(time.Since(start).Seconds())
}

// setRate prepares the branches for a codec at rate Hz (once, or when the codec changes).
func (s *Stream) setRate(rate int) error {
	rs, err := dsp.NewResampler(rate, SampleRate)
	if err != nil {
		return err
	}
	s.rs, s.rsRate = rs, rate
	s.pend8 = s.pend8[:0]
	if rate == SampleRate/2 {
		// The 8 kHz samples wait as long as the 16 kHz samples already pending (so the nth
		// 8 kHz hop is the nth 16 kHz hop) plus as long as the upsampler and the decimator
		// of the other codecs delay theirs: the pitch window then trails the level window
		// by the decimator's delay (3.6 ms) for every codec, as it did when G.711 went
		// 8 → 16 → 8 kHz.
		lag := int(math.Round(rs.Delay()+dsp.Decimator8Delay)) + len(s.pend)/2
		s.pend8 = slices.Grow(s.pend8, lag)[:lag]
		clear(s.pend8)
	}
	return nil
}

// step analyses one 10 ms hop: x at 16 kHz and, from an 8 kHz codec, x8, the same
// 10 ms at 8 kHz (nil: decimate x).
func (s *Stream) step(x, x8 []float32) {
	fr := s.front.Step(x, x8)
	s.samples += HopSamples
	s.mFrames.Inc()

	h := &s.hop
	h.T = s.offset + time.Duration(s.samples)*time.Second/SampleRate
	h.Samples, h.Window, h.Window8 = fr.Samples, fr.Window, fr.Window8
	h.LevelDB, h.Pitch, h.Spectrum = fr.LevelDB, fr.Pitch, fr.Spectrum
	h.PitchHz, h.PitchConf, h.Voiced = 0, 0, false
	if fr.Pitch.Voiced {
		h.PitchHz, h.PitchConf, h.Voiced = fr.Pitch.Hz, fr.Pitch.Conf, true
	}
	h.Speech = s.vad.Step(h.LevelDB, fr.HopDB, h.Voiced)
	for _, a := range s.an {
		a.Hop(h, s.c)
	}

	if h.Speech {
		s.talkHops++
		s.levelHops++
		s.levelSum += h.LevelDB
		if h.Voiced {
			s.pitchHops++
			s.pitchSum += h.PitchHz
		}
	}
	s.aggregate(h, fr.PeakDB)
}

// aggregate folds a hop into the current cue interval and emits level/pitch/vad at its end.
// A change of voice activity is sent at once unless another change went out within the
// last interval (the once-a-second repeat of the state does not count, or an onset just
// after it would wait up to an interval), so an onset reaches the agent within one hop
// plus transport.
func (s *Stream) aggregate(h *Hop, peak float64) {
	s.nHops++
	s.pow += math.Pow(10, h.LevelDB/10)
	s.peak = max(s.peak, peak)
	if h.Voiced {
		s.voicedHz = append(s.voicedHz, h.PitchHz)
		s.confSum += h.PitchConf
	}
	if h.Speech != s.speech || !s.vadSent {
		s.speech = h.Speech
		s.vadPending = true
	}
	if s.vadPending && (!s.vadSent || s.samples-s.vadMoveAt >= uint64(s.hopsPerCue*HopSamples)) {
		s.emitVAD(h.T)
	}
	if s.nHops < s.hopsPerCue {
		return
	}
	db := -100.0
	if s.pow > 0 {
		db = max(-100, 10*math.Log10(s.pow/float64(s.nHops)))
	}
	s.cue = appendLevel(s.cue[:0], event.LevelData{DBFS: round1(db), Peak: round1(max(s.peak, -100))})
	s.c.emitCue(event.Level, s.party, h.T, s.cue, s.mLevel, nil)
	voiced := len(s.voicedHz)*10 >= s.nHops*3 // voiced in at least 30 % of the interval
	if voiced || s.pitchWasOn {
		pd := event.PitchData{Voiced: voiced}
		if voiced {
			slices.Sort(s.voicedHz)
			pd.Hz = round1(s.voicedHz[len(s.voicedHz)/2])
			pd.Conf = math.Round(100*s.confSum/float64(len(s.voicedHz))) / 100
		}
		s.cue = appendPitch(s.cue[:0], pd)
		s.c.emitCue(event.Pitch, s.party, h.T, s.cue, s.mPitch, nil)
		s.pitchWasOn = voiced
	}
	if s.vadPending || s.samples-s.vadSentAt >= 10*uint64(s.hopsPerCue*HopSamples) {
		s.emitVAD(h.T)
	}
	s.nHops, s.pow, s.peak, s.confSum = 0, 0, -100, 0
	s.voicedHz = s.voicedHz[:0]
}

func (s *Stream) emitVAD(t time.Duration) {
	s.vadData = event.VADData{Speech: s.speech, TalkS: s.talkSeconds()}
	s.cue = appendVAD(s.cue[:0], s.vadData)
	s.c.emitCue(event.VAD, s.party, t, s.cue, s.mVAD, &s.vadData)
	if s.vadPending || !s.vadSent {
		s.vadMoveAt = s.samples
	}
	s.vadSent, s.vadPending, s.vadSentAt = true, false, s.samples
}

func (s *Stream) talkSeconds() float64 {
	return math.Round(float64(s.talkHops)) / 100
}

// leave flushes the analyzers once; later audio is ignored. It reports whether this was
// the first leave.
func (s *Stream) leave() bool {
	if s.left.Swap(true) {
		return false
	}
	for _, a := range s.an {
		a.Close(s.c)
	}
	if s.vadSent && s.speech {
		s.speech = false
		s.emitVAD(s.offset + time.Duration(s.samples)*time.Second/SampleRate)
	}
	return true
}

func (s *Stream) hasLeft() bool { return s.left.Load() }

func (s *Stream) summary() event.PartySummary {
	ps := event.PartySummary{Codec: s.codec, MediaS: float64(s.samples) / SampleRate,
		TalkS: s.talkSeconds(), Packets: s.packets, Lost: s.lost, DecodeErr: s.decErr}
	if s.levelHops > 0 {
		ps.MeanLevelDB = round1(s.levelSum / float64(s.levelHops))
	}
	if s.pitchHops > 0 {
		ps.MeanPitchHz = round1(s.pitchSum / float64(s.pitchHops))
	}
	return ps
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }
