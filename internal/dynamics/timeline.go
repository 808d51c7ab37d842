package dynamics

import (
	"math"
	"slices"
	"strings"

	"github.com/undertone/undertone/internal/event"
)

const (
	cust  = 0
	agent = 1
)

func pidx(p event.Party) int {
	if p == event.Agent {
		return agent
	}
	return cust
}

var parties = [2]event.Party{event.Customer, event.Agent}

// limits are Config in seconds.
type limits struct {
	deadAir, deadAirAlert, deadAirCrit  float64
	floor, yield, minTurn               float64
	overCount                           int
	overWindow, overRun, cooldown, skew float64
}

func newLimits(c Config) limits {
	return limits{deadAir: c.DeadAir.Seconds(), deadAirAlert: c.DeadAirAlert.Seconds(),
		deadAirCrit: c.DeadAirCritical.Seconds(), floor: c.InterruptFloor.Seconds(),
		yield: c.InterruptYield.Seconds(), minTurn: c.MinTurn.Seconds(), overCount: c.OvertalkCount,
		overWindow: c.OvertalkWindow.Seconds(), overRun: c.OvertalkRun.Seconds(),
		cooldown: c.AlertCooldown.Seconds(), skew: c.MaxSkew.Seconds()}
}

// partyState is one party's voice activity as settled so far.
type partyState struct {
	speaking bool
	onset    float64 // start of the current (or last) segment
	lastEnd  float64
	turnEnd  float64 // end of the last segment that was not a back-channel inside the other's
	talk     float64
	segments int
	pendAt   float64 // onset that may turn out to be an interruption; <0 none

	seen  bool    // has sent a vad event
	lastT float64 // newest vad media time received (not necessarily settled)

	words     int     // from final transcripts
	wordSpans float64 // seconds of speech those words cover
}

type transition struct {
	p      int
	t      float64
	speech bool
}

// timeline settles both parties' voice activity in media-time order and keeps the
// figures. It is not safe for concurrent use; the analyzer owns it.
type timeline struct {
	lim   limits
	ps    [2]partyState
	queue []transition // received, not yet settled, sorted by t
	cur   float64      // settled up to here

	started   bool    // someone has spoken
	quietFrom float64 // start of the current silence, when started and nobody speaks

	overtalk, anySpeech     float64
	deadAir, longestSilence float64
	interruptions           [2]int

	floor      int // party holding the floor, -1 before the first turn
	floorStart float64
	turns      int
	longMono   float64
	longMonoBy int

	agentOverFrom  float64   // agent started over a speaking customer here; <0 none
	agentOverFired bool      // the run alert for this stretch went out
	agentInts      []float64 // times the agent's interruptions of the customer were confirmed
	lastOverAlert  float64   // media time of the last agent_overtalk alert; <0 none
	alerts         []event.AlertData
}

func newTimeline(lim limits) *timeline {
	tl := &timeline{lim: lim, floor: -1, agentOverFrom: -1, lastOverAlert: -1, longMonoBy: -1}
	for i := range tl.ps {
		tl.ps[i].pendAt = -1
	}
	return tl
}

// vad records a vad event and settles what both parties have reported.
func (tl *timeline) vad(p int, t float64, speech bool) {
	s := &tl.ps[p]
	s.seen = true
	s.lastT = math.Max(s.lastT, t)
	t = math.Max(t, tl.cur) // a lagging party's late news lands at the settled edge
	i, _ := slices.BinarySearchFunc(tl.queue, t, func(x transition, t float64) int {
		if x.t <= t {
			return -1
		}
		return 1
	})
	tl.queue = slices.Insert(tl.queue, i, transition{p: p, t: t, speech: speech})
	tl.settle(tl.watermark())
}

// watermark is the media time up to which both parties' activity is known: the older of
// the two parties' newest reports, but never more than MaxSkew behind the newest report
// of either (a party that has not reported yet, or went quiet on the wire, may still be
// that late; after that it is taken to be as it was).
func (tl *timeline) watermark() float64 {
	newest := tl.newest()
	wm := newest
	for _, s := range tl.ps {
		bound := newest - tl.lim.skew
		if s.seen {
			bound = math.Max(bound, s.lastT)
		}
		wm = math.Min(wm, bound)
	}
	return wm
}

// newest is the newest media time either party has reported (settled or not).
func (tl *timeline) newest() float64 {
	n := tl.cur
	for _, s := range tl.ps {
		if s.seen {
			n = math.Max(n, s.lastT)
		}
	}
	return n
}

// flush settles everything received (the call ended).
func (tl *timeline) flush() {
	tl.settle(tl.newest())
	for p := range tl.ps {
		if tl.ps[p].speaking {
			tl.offset(p, tl.cur)
		}
	}
	if tl.floor >= 0 {
		tl.closeMono(tl.floor, tl.ps[tl.floor].turnEnd)
	}
}

func (tl *timeline) settle(wm float64) {
	n := 0
	for _, tr := range tl.queue {
		if tr.t > wm {
			break
		}
		tl.advance(tr.t)
		if tr.speech {
			tl.onset(tr.p, tr.t)
		} else {
			tl.offset(tr.p, tr.t)
		}
		n++
	}
	tl.queue = slices.Delete(tl.queue, 0, n)
	tl.advance(wm)
}

// advance accumulates the time from cur to t under the current activity.
func (tl *timeline) advance(t float64) {
	dt := t - tl.cur
	if dt <= 0 {
		return
	}
	c, a := tl.ps[cust].speaking, tl.ps[agent].speaking
	if c {
		tl.ps[cust].talk += dt
	}
	if a {
		tl.ps[agent].talk += dt
	}
	if c && a {
		tl.overtalk += dt
	}
	if c || a {
		tl.anySpeech += dt
	}
	tl.cur = t
	if tl.agentOverFrom >= 0 && !tl.agentOverFired && t-tl.agentOverFrom >= tl.lim.overRun {
		tl.agentOverFired = true
		run := t - tl.agentOverFrom
		tl.overtalkAlert(t, tl.agentOverFrom, run, tl.lim.overRun,
			"Agent has been talking over the customer for "+secs(run),
			"Agent praat al "+secs(run)+" door de klant heen")
	}
}

func (tl *timeline) onset(p int, t float64) {
	s, o := &tl.ps[p], &tl.ps[1-p]
	if s.speaking {
		return
	}
	if !tl.started {
		tl.started = true
	} else if !o.speaking {
		gap := t - tl.quietFrom
		tl.longestSilence = math.Max(tl.longestSilence, gap)
		if gap >= tl.lim.deadAir {
			tl.deadAir += gap
		}
	}
	if o.speaking && t-o.onset >= tl.lim.floor {
		s.pendAt = t
	}
	if p == agent && o.speaking {
		tl.agentOverFrom, tl.agentOverFired = t, false
	}
	s.speaking, s.onset = true, t
	s.segments++
}

func (tl *timeline) offset(p int, t float64) {
	s, o := &tl.ps[p], &tl.ps[1-p]
	if !s.speaking {
		return
	}
	s.speaking, s.lastEnd = false, t
	if !tl.inside(p) {
		s.turnEnd = t
	}
	tl.agentOverFrom = -1
	// p stopped: if the other started over p a moment ago and is still going, that was
	// an interruption; p's own attempt at the other (if any) failed.
	if o.pendAt >= 0 && o.speaking && t-o.pendAt <= tl.lim.yield {
		tl.interruptions[1-p]++
		if p == cust {
			tl.agentInterrupted(t)
		}
	}
	o.pendAt, s.pendAt = -1, -1
	if tl.takesFloor(p, t) {
		tl.passFloor(p)
	}
	if !o.speaking {
		tl.quietFrom = t
	}
}

// takesFloor: a segment of p ending at t takes the floor when it is long enough to be a
// turn and does not lie inside the other party's current segment (a back-channel).
func (tl *timeline) takesFloor(p int, t float64) bool {
	s := &tl.ps[p]
	return tl.floor != p && t-s.onset >= tl.lim.minTurn && !tl.inside(p)
}

// inside reports whether p's current segment began while the other party was already
// speaking and the other still is: an overlap that does not (yet) take the floor.
func (tl *timeline) inside(p int) bool {
	s, o := &tl.ps[p], &tl.ps[1-p]
	return o.speaking && o.onset <= s.onset
}

func (tl *timeline) passFloor(p int) {
	if tl.floor >= 0 {
		tl.closeMono(tl.floor, tl.ps[tl.floor].turnEnd)
	}
	tl.floor, tl.floorStart = p, tl.ps[p].onset
	tl.turns++
}

func (tl *timeline) closeMono(p int, end float64) {
	if d := end - tl.floorStart; d > tl.longMono {
		tl.longMono, tl.longMonoBy = d, p
	}
}

func (tl *timeline) agentInterrupted(t float64) {
	tl.agentInts = append(tl.agentInts, t)
	i := 0
	for i < len(tl.agentInts) && tl.agentInts[i] < t-tl.lim.overWindow {
		i++
	}
	tl.agentInts = tl.agentInts[i:]
	if n := len(tl.agentInts); n >= tl.lim.overCount {
		tl.overtalkAlert(t, tl.agentInts[0], float64(n), float64(tl.lim.overCount),
			"Agent interrupted the customer "+itoa(n)+" times in "+mins(tl.lim.overWindow),
			"Agent onderbrak de klant "+itoa(n)+" keer in "+mins(tl.lim.overWindow))
	}
}

func (tl *timeline) overtalkAlert(t, start, value, threshold float64, en, nl string) {
	if tl.lastOverAlert >= 0 && t-tl.lastOverAlert < tl.lim.cooldown {
		return
	}
	tl.lastOverAlert = t
	tl.alerts = append(tl.alerts, event.AlertData{Kind: event.AlertAgentOvertalk, Severity: event.SeverityWarning,
		Message: en, MessageNL: nl, Value: round2(value), Threshold: threshold, Start: round2(start), Source: "dynamics"})
}

// silenceAt is the current silence at media time now (0 while someone speaks or before
// anyone has spoken).
func (tl *timeline) silenceAt(now float64) float64 {
	if !tl.started || tl.ps[cust].speaking || tl.ps[agent].speaking || len(tl.queue) > 0 && tl.queue[0].speech {
		return 0
	}
	return math.Max(0, now-tl.quietFrom)
}

// transcript adds a final transcript's words to the party's pace.
func (tl *timeline) transcript(p int, d *event.TranscriptData) {
	if !d.Final {
		return
	}
	n := len(strings.Fields(d.Text))
	if n == 0 || d.End <= d.Start {
		return
	}
	tl.ps[p].words += n
	tl.ps[p].wordSpans += d.End - d.Start
}

// snapshot returns the figures settled so far, with the current silence measured up to
// now (≥ cur when media time is extrapolated from the wall clock).
func (tl *timeline) snapshot(now float64) event.DynamicsData {
	now = math.Max(now, tl.cur)
	d := event.DynamicsData{T: round2(now),
		Talk:          event.TalkShares{Customer: round2(tl.ps[cust].talk), Agent: round2(tl.ps[agent].talk)},
		TalkRatio:     0.5,
		OvertalkS:     round2(tl.overtalk),
		Interruptions: event.PartyCounts{Customer: tl.interruptions[cust], Agent: tl.interruptions[agent]},
		DeadAirS:      tl.deadAir, LongestSilenceS: tl.longestSilence, Turns: tl.turns,
	}
	if tot := tl.ps[cust].talk + tl.ps[agent].talk; tot > 0 {
		d.TalkRatio = round3(tl.ps[agent].talk / tot)
	}
	if tl.anySpeech > 0 {
		d.OvertalkShare = round3(tl.overtalk / tl.anySpeech)
	}
	if sil := tl.silenceAt(now); sil > 0 {
		d.SilenceNowS = round2(sil)
		d.LongestSilenceS = math.Max(d.LongestSilenceS, sil)
		if sil >= tl.lim.deadAir {
			d.DeadAirS += sil
		}
	}
	d.DeadAirS, d.LongestSilenceS = round2(d.DeadAirS), round2(d.LongestSilenceS)
	rate := func(s *partyState) (wpm, seg float64) {
		if s.wordSpans > 0 {
			wpm = math.Round(float64(s.words) / (s.wordSpans / 60))
		}
		if now > 0 {
			seg = math.Round(float64(s.segments)/(now/60)*10) / 10
		}
		return
	}
	d.WPM.Customer, d.SegmentRate.Customer = rate(&tl.ps[cust])
	d.WPM.Agent, d.SegmentRate.Agent = rate(&tl.ps[agent])
	// The monologue in progress, and a turn that will be counted when its segment ends.
	mono, monoBy := tl.longMono, tl.longMonoBy
	consider := func(p int, start, end float64) {
		if end-start > mono {
			mono, monoBy = end-start, p
		}
	}
	if tl.floor >= 0 {
		end := tl.ps[tl.floor].turnEnd
		if tl.ps[tl.floor].speaking && !tl.inside(tl.floor) {
			end = tl.cur
		}
		consider(tl.floor, tl.floorStart, end)
	}
	for p := range tl.ps {
		if tl.ps[p].speaking && tl.takesFloor(p, tl.cur) {
			d.Turns++
			consider(p, tl.ps[p].onset, tl.cur)
		}
	}
	if monoBy >= 0 {
		d.LongestMonoS, d.LongestMonoBy = round2(mono), parties[monoBy]
	}
	return d
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
