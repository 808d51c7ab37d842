package dsp

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
	// HangoverMs: speech is held this long after the last active frame
	// (default 250 ms), bridging stops and short pauses inside a phrase.
	HangoverMs float64
	// RiseDBPerSec: how fast the noise floor climbs towards a louder level
	// (default 3 dB/s), outside speech. SpeechRiseDBPerSec is the rate during
	// speech (default 1 dB/s), so a steady hum that opened a segment is
	// absorbed within seconds while speech, with its pauses, is not.
	RiseDBPerSec       float64
	SpeechRiseDBPerSec float64
	// FallPerHop: fraction of the distance to a quieter level the noise floor
	// moves per hop (default 0.5: it follows a quieter line within ~3 hops).
	FallPerHop float64
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
	def(&c.HangoverMs, 250)
	def(&c.RiseDBPerSec, 3)
	def(&c.SpeechRiseDBPerSec, 1)
	def(&c.FallPerHop, 0.5)
	return c
}

// silenceDB: levels at or below this are digital silence (zero-filled loss,
// muted line); they say nothing about the noise and do not move the floor.
const silenceDB = -90.0

// VAD is an energy voice activity detector with an adaptive noise floor
// (minimum tracking in the spirit of R. Martin, "Noise power spectral density
// estimation based on optimal smoothing and minimum statistics", IEEE TSAP
// 2001, reduced to one band: fall fast, rise slowly), gated by voicing and
// smoothed by onset and hangover (the classic G.729 Annex B / WebRTC VAD
// hangover scheme). A frame is active when
//
//	level > noiseFloor + MarginDB  and  level > AbsFloorDB.
//
// Speech starts after OnsetMs of consecutive active frames of which at least
// one is voiced, continues while frames are active (voiced or not, so
// unvoiced consonants stay in), and ends HangoverMs after the last active
// frame. Time is counted in hops, so the VAD is exact under test.
type VAD struct {
	cfg      VADConfig
	onset    int     // hops
	hangover int     // hops
	rise     float64 // dB per hop outside speech
	riseIn   float64 // dB per hop inside speech
	floor    float64
	started  bool
	run      int  // consecutive active hops
	runVoice bool // any of them voiced
	hold     int  // hangover hops left
	speech   bool
}

// NewVAD returns a VAD with cfg's zero fields set to their defaults.
func NewVAD(cfg VADConfig) *VAD {
	cfg = cfg.withDefaults()
	hops := func(ms float64) int { return max(int(ms/cfg.HopMs+0.5), 1) }
	return &VAD{
		cfg:      cfg,
		onset:    hops(cfg.OnsetMs),
		hangover: hops(cfg.HangoverMs),
		rise:     cfg.RiseDBPerSec * cfg.HopMs / 1000,
		riseIn:   cfg.SpeechRiseDBPerSec * cfg.HopMs / 1000,
	}
}

// Config is the effective configuration, defaults filled in.
func (v *VAD) Config() VADConfig { return v.cfg }

// NoiseFloorDB is the current noise floor estimate (dBFS).
func (v *VAD) NoiseFloorDB() float64 { return v.floor }

// Speech reports the state decided by the last Step.
func (v *VAD) Speech() bool { return v.speech }

// Reset forgets the noise floor and the speech state.
func (v *VAD) Reset() {
	*v = VAD{cfg: v.cfg, onset: v.onset, hangover: v.hangover, rise: v.rise, riseIn: v.riseIn}
}

// Step consumes one hop: its level (LevelDB RMS, dBFS) and whether the pitch
// tracker found it voiced. It returns whether the hop is speech.
func (v *VAD) Step(levelDB float64, voiced bool) bool {
	if levelDB > silenceDB {
		v.track(levelDB)
	}
	active := v.started && levelDB > v.floor+v.cfg.MarginDB && levelDB > v.cfg.AbsFloorDB
	if active {
		v.run++
		v.runVoice = v.runVoice || voiced
	} else {
		v.run, v.runVoice = 0, false
	}
	switch {
	case active && (v.speech || (v.run >= v.onset && v.runVoice)):
		v.speech = true
		v.hold = v.hangover
	case v.speech && !active:
		if v.hold == 0 {
			v.speech = false
		} else {
			v.hold--
		}
	}
	return v.speech
}

// track moves the noise floor: down quickly, up slowly.
func (v *VAD) track(level float64) {
	if !v.started {
		v.floor, v.started = level, true
		return
	}
	if level < v.floor {
		v.floor += (level - v.floor) * v.cfg.FallPerHop
		return
	}
	r := v.rise
	if v.speech {
		r = v.riseIn
	}
	v.floor = min(v.floor+r, level)
}
