package dsp

import "math"

// VADConfig holds the constants of the voice activity detector. Zero fields
// take the defaults listed; all levels are dBFS, as from LevelDB.
type VADConfig struct {
	// HopMs is the time between Step calls (default 10 ms).
	HopMs float64
	// MarginDB is how far the frame level must exceed the noise floor to
	// count as active (default 10 dB — about a 3× amplitude ratio, the usual
	// 10–12 dB SNR margin of energy VADs).
	MarginDB float64
	// AbsFloorDB is the level below which nothing is speech however quiet the
	// line (default −55 dBFS; speech on a telephone line sits at −35…−15).
	AbsFloorDB float64
	// OnsetMs: active frames needed in a row before speech starts, and at
	// least one of them voiced (default 20 ms = 2 hops), so clicks and
	// unvoiced noise bursts do not open a segment.
	OnsetMs float64
	// StrongMarginDB and StrongOnsetMs: a run of StrongOnsetMs (default 30 ms)
	// of hops whose own level is StrongMarginDB (default 2 × MarginDB) over the
	// floor opens a segment before any hop is voiced — a word that starts
	// with a consonant (/k/, /s/, /h/) is not held back until its vowel, which
	// the pitch tracker confirms 50–100 ms later. A click (shorter than a
	// hop) does not make such a run. The rule waits until the line has been
	// heard for 150 ms: before that "far over the floor" is only far over
	// InitialFloorDB, which a noisy line is.
	StrongMarginDB float64
	StrongOnsetMs  float64
	// ConfirmMs: a segment opened by the strong rule ends at once, without
	// hangover, unless one of its hops within ConfirmMs (default 200 ms) is
	// voiced: a door slam or a burst of hiss costs a blip of at most
	// ConfirmMs, and the same run of noise cannot reopen it.
	ConfirmMs float64
	// HangoverMs: speech is held this long after the last active frame
	// (default 250 ms), bridging stops and short pauses inside a phrase.
	HangoverMs float64
	// MinWindowMs is the span over which the noise floor is the minimum of
	// the (lightly smoothed) level (default 5000 ms): a quieter level pulls
	// the floor down at once; a louder line is accepted as the new floor once
	// it has had no pause for this long — a steady hum or fan is absorbed
	// within seconds, while speech, which pauses every few seconds, is not.
	MinWindowMs float64
	// InitialFloorDB is the noise floor assumed before the line has been
	// heard (default AbsFloorDB − MarginDB = −65 dBFS), so a call that opens
	// with speech, or with digital silence, detects its first words.
	InitialFloorDB float64
	// RiseTauMs is the time constant with which the floor climbs to a higher
	// windowed minimum (default 1000 ms), so it never jumps up.
	RiseTauMs float64
	// WarmupTauMs is the rise time constant while the line has been heard for
	// less than MinWindowMs, on hops that are not speech (default 100 ms): a
	// line noisier than InitialFloorDB is learnt in its first few hundred ms
	// of non-speech instead of after MinWindowMs, during which it would have
	// held every pause open as speech.
	WarmupTauMs float64
}

func (c VADConfig) withDefaults() VADConfig {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.HopMs, 10)
	def(&c.MarginDB, 10)
	def(&c.AbsFloorDB, -55)
	def(&c.OnsetMs, 20)
	def(&c.StrongMarginDB, 2*c.MarginDB)
	def(&c.StrongOnsetMs, 30)
	def(&c.ConfirmMs, 200)
	def(&c.WarmupTauMs, 100)
	def(&c.HangoverMs, 250)
	def(&c.MinWindowMs, 5000)
	def(&c.RiseTauMs, 1000)
	def(&c.InitialFloorDB, c.AbsFloorDB-c.MarginDB)
	return c
}

// silenceDB: levels at or below this are digital silence (zero-filled loss,
// muted line); they say nothing about the noise and do not move the floor.
const silenceDB = -90.0

// minSubWindows is the number of sub-window minima kept for the sliding
// minimum (Martin 2001 uses a similar split to track a minimum in O(1)).
const minSubWindows = 8

// VAD is an energy voice activity detector with an adaptive noise floor
// (minimum statistics after R. Martin, "Noise power spectral density
// estimation based on optimal smoothing and minimum statistics", IEEE Trans.
// Speech Audio Process. 9(5), 2001, reduced to one band: the floor is the
// minimum of the smoothed level over MinWindowMs, falling at once and rising
// with time constant RiseTauMs — WarmupTauMs on non-speech hops while the line
// is new), gated by voicing and smoothed by onset and hangover (the classic
// G.729 Annex B / WebRTC VAD hangover scheme). A hop is active when
//
//	level > noiseFloor + MarginDB  and  level > AbsFloorDB.
//
// Speech starts after OnsetMs of consecutive active hops of which at least
// one is voiced, or after StrongOnsetMs of active hops each StrongMarginDB
// over the floor by its own level (then a voiced hop must follow within
// ConfirmMs or the segment ends at once); it continues while hops are active
// (voiced or not, so unvoiced consonants stay in), and ends HangoverMs after
// the last active hop. Levels at or below −90 dBFS (digital silence:
// zero-filled packet loss, a muted line) never move the floor. Time is counted
// in hops, so the VAD is exact under test; Step does not allocate.
type VAD struct {
	cfg      VADConfig
	onset    int     // hops
	strongN  int     // hops
	confirm  int     // hops
	hangover int     // hops
	subLen   int     // hops per sub-window of the minimum tracker
	riseCoef float64 // per hop, 1 − exp(−hop/RiseTauMs)
	warmCoef float64 // per hop, 1 − exp(−hop/WarmupTauMs)
	warmHops int     // hops of warm-up: MinWindowMs
	settle   int     // hops heard before the strong rule applies

	heard   int     // non-silent hops tracked, up to warmHops
	smooth  float64 // level smoothed over ~2 hops
	curMin  float64 // minimum of the current sub-window
	subHops int
	ring    [minSubWindows]float64 // minima of the previous sub-windows; +Inf: not heard yet
	ringIdx int
	floor   float64

	run       int  // consecutive active hops
	runVoice  bool // any of them voiced
	strongRun int  // consecutive active hops StrongMarginDB over the floor
	spent     bool // this run of activity opened a segment that was not confirmed
	tentative int  // hops left to confirm a strong onset; 0: confirmed or none
	hold      int  // hangover hops left
	speech    bool
}

// NewVAD returns a VAD with cfg's zero fields set to their defaults.
func NewVAD(cfg VADConfig) *VAD {
	cfg = cfg.withDefaults()
	hops := func(ms float64) int { return max(int(ms/cfg.HopMs+0.5), 1) }
	v := &VAD{
		cfg:      cfg,
		onset:    hops(cfg.OnsetMs),
		strongN:  hops(cfg.StrongOnsetMs),
		confirm:  hops(cfg.ConfirmMs),
		hangover: hops(cfg.HangoverMs),
		subLen:   max(hops(cfg.MinWindowMs)/minSubWindows, 1),
		riseCoef: 1 - math.Exp(-cfg.HopMs/cfg.RiseTauMs),
		warmCoef: 1 - math.Exp(-cfg.HopMs/cfg.WarmupTauMs),
		warmHops: hops(cfg.MinWindowMs),
		settle:   hops(150),
		floor:    cfg.InitialFloorDB,
		curMin:   math.Inf(1),
	}
	for i := range v.ring {
		v.ring[i] = math.Inf(1)
	}
	return v
}

// Config is the effective configuration, defaults filled in.
func (v *VAD) Config() VADConfig { return v.cfg }

// NoiseFloorDB is the current noise floor estimate (dBFS).
func (v *VAD) NoiseFloorDB() float64 { return v.floor }

// Speech reports the state decided by the last Step.
func (v *VAD) Speech() bool { return v.speech }

// Reset forgets the noise floor and the speech state.
func (v *VAD) Reset() { *v = *NewVAD(v.cfg) }

// Step consumes one hop: level is the RMS level (dBFS, as from LevelDB) of
// the analysis window ending at the hop, hopLevel that of the hop alone (it
// times strong onsets at hop resolution; pass level when the two are the
// same), voiced the pitch tracker's decision. It returns whether the hop is
// speech.
func (v *VAD) Step(level, hopLevel float64, voiced bool) bool {
	if level > silenceDB {
		v.track(level)
	}
	active := level > v.floor+v.cfg.MarginDB && level > v.cfg.AbsFloorDB
	if active {
		v.run++
		v.runVoice = v.runVoice || voiced
		if hopLevel > v.floor+v.cfg.StrongMarginDB && v.heard >= v.settle {
			v.strongRun++
		} else {
			v.strongRun = 0
		}
	} else {
		v.run, v.runVoice, v.strongRun, v.spent = 0, false, 0, false
	}
	switch {
	case v.speech && v.tentative > 0 && voiced:
		v.tentative = 0 // confirmed
	case v.speech && v.tentative > 0:
		if v.tentative--; v.tentative == 0 {
			v.speech, v.hold, v.spent = false, 0, true // never voiced: not speech
			return false
		}
	}
	switch {
	case active && v.speech:
		v.hold = v.hangover
	case active && v.run >= v.onset && v.runVoice:
		v.speech, v.hold, v.tentative = true, v.hangover, 0
	case active && v.strongRun >= v.strongN && !v.spent:
		v.speech, v.hold, v.tentative = true, v.hangover, v.confirm
	case v.speech && !active:
		if v.hold == 0 {
			v.speech, v.tentative = false, 0
		} else {
			v.hold--
		}
	}
	return v.speech
}

// track updates the sliding minimum and moves the floor: down at once, up
// with time constant RiseTauMs (WarmupTauMs outside speech while the line is
// new).
func (v *VAD) track(level float64) {
	if v.heard == 0 {
		v.smooth = level
	}
	v.smooth += (level - v.smooth) * 0.5
	v.curMin = min(v.curMin, v.smooth)
	target := v.curMin
	for _, m := range v.ring {
		target = min(target, m)
	}
	if v.subHops++; v.subHops >= v.subLen {
		v.ring[v.ringIdx] = v.curMin
		v.ringIdx = (v.ringIdx + 1) % minSubWindows
		v.curMin, v.subHops = v.smooth, 0
	}
	rise := v.riseCoef
	if v.heard < v.warmHops {
		v.heard++
		if !v.speech {
			rise = v.warmCoef
		}
	}
	if target < v.floor {
		v.floor = target
	} else {
		v.floor += (target - v.floor) * rise
	}
}
