package dynamics

import (
	"math"
	"time"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
)

// NewFactory returns the call analyzer factory of the dynamics stage, for
// server.Options.Joiners.
func NewFactory(cfg Config) call.CallAnalyzerFactory {
	cfg.defaults()
	return func(string) call.CallAnalyzer { return newAnalyzer(cfg) }
}

// New returns the dynamics analyzer of one call.
func New(cfg Config) call.CallAnalyzer {
	cfg.defaults()
	return newAnalyzer(cfg)
}

// analyzer is the dynamics call analyzer: a timeline plus emission policy.
type analyzer struct {
	cfg Config
	tl  *timeline

	emitted  bool
	lastEmit time.Duration // elapsed at the last dynamics event
	last     event.DynamicsData

	anchored      bool
	anchorMedia   float64       // newest media time received …
	anchorElapsed time.Duration // … first seen at this elapsed time

	silenceFrom  float64 // the silence episode the dead-air level refers to
	deadAirLevel int     // 0 nothing raised, 1 warning, 2 critical
}

var _ call.CallAnalyzer = (*analyzer)(nil)

func newAnalyzer(cfg Config) *analyzer {
	return &analyzer{cfg: cfg, tl: newTimeline(newLimits(cfg)), silenceFrom: -1}
}

// Event implements call.CallAnalyzer.
func (a *analyzer) Event(ev *event.Event, emit call.Emitter) {
	switch ev.Type {
	case event.VAD:
		d, ok := ev.Data.(*event.VADData)
		if !ok || !ev.Party.Valid() {
			return
		}
		a.tl.vad(pidx(ev.Party), ev.T, d.Speech)
		a.raise(emit)
		a.checkDeadAir(a.tl.newest(), emit)
	case event.Transcript:
		if d, ok := ev.Data.(*event.TranscriptData); ok && ev.Party.Valid() {
			a.tl.transcript(pidx(ev.Party), d)
		}
	}
}

// Tick implements call.CallAnalyzer: dead air grows while nothing arrives, and the
// figures go out at most every Config.Every when they changed.
func (a *analyzer) Tick(elapsed time.Duration, emit call.Emitter) {
	now := a.mediaNow(elapsed)
	a.checkDeadAir(now, emit)
	if a.emitted && elapsed-a.lastEmit < a.cfg.Every {
		return
	}
	a.publish(elapsed, now, emit)
}

// Close implements call.CallAnalyzer: settle everything and send the final figures.
func (a *analyzer) Close(emit call.Emitter) {
	a.tl.flush()
	a.raise(emit)
	if a.tl.started || a.emitted {
		d := a.tl.snapshot(a.tl.cur)
		emit.Emit("", dur(d.T), &d)
	}
}

func (a *analyzer) publish(elapsed time.Duration, now float64, emit call.Emitter) {
	if !a.tl.ps[cust].seen && !a.tl.ps[agent].seen && a.tl.ps[cust].words == 0 && a.tl.ps[agent].words == 0 {
		return // nothing to say yet
	}
	d := a.tl.snapshot(now)
	cmp := d
	cmp.T = a.last.T
	if a.emitted && cmp == a.last {
		return
	}
	a.emitted, a.lastEmit, a.last = true, elapsed, d
	emit.Emit("", dur(d.T), &d)
}

// mediaNow estimates the current media time: the newest received, carried forward by
// the wall clock while nothing arrives (audio stopped, a party on hold without RTP).
func (a *analyzer) mediaNow(elapsed time.Duration) float64 {
	newest := a.tl.newest()
	if !a.anchored || newest > a.anchorMedia {
		a.anchored, a.anchorMedia, a.anchorElapsed = true, newest, elapsed
	}
	return a.anchorMedia + (elapsed - a.anchorElapsed).Seconds()
}

func (a *analyzer) checkDeadAir(now float64, emit call.Emitter) {
	sil := a.tl.silenceAt(now)
	if sil <= 0 {
		return
	}
	if a.tl.quietFrom != a.silenceFrom {
		a.silenceFrom, a.deadAirLevel = a.tl.quietFrom, 0
	}
	lim := a.tl.lim
	level, sev, thr := 0, "", 0.0
	switch {
	case sil >= lim.deadAirCrit:
		level, sev, thr = 2, event.SeverityCritical, lim.deadAirCrit
	case sil >= lim.deadAirAlert:
		level, sev, thr = 1, event.SeverityWarning, lim.deadAirAlert
	}
	if level <= a.deadAirLevel {
		return
	}
	a.deadAirLevel = level
	emit.Emit("", dur(now), &event.AlertData{Kind: event.AlertDeadAir, Severity: sev,
		Message:   "No one has spoken for " + secs(sil),
		MessageNL: "Al " + secs(sil) + " stilte op de lijn",
		Value:     round2(sil), Threshold: thr, Start: round2(a.tl.quietFrom), Source: "dynamics"})
}

// raise emits the alerts the timeline queued.
func (a *analyzer) raise(emit call.Emitter) {
	for _, al := range a.tl.alerts {
		emit.Emit(event.Agent, dur(a.tl.cur), &al)
	}
	a.tl.alerts = a.tl.alerts[:0]
}

func dur(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }
