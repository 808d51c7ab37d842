package emotion

// Unsure is the headline when no class has earned being shown.
const Unsure = "unsure"

// HeadlineConfig sets when the live headline shows a class. Probabilities are the
// calibrated, smoothed class probabilities of the cue.
type HeadlineConfig struct {
	ShowAt float64 // a class is shown only at or above this probability (default 0.5)
	DropAt float64 // a shown class stays while it keeps at least this (default 0.35)
	Margin float64 // a new class must lead the shown one by this much (default 0.15)
	Hold   int     // consecutive events that must agree before the headline changes (default 2)
	// Evidence is the memory of the headline in events: it decides on an exponential
	// moving average of the calibrated class probabilities with weight 1/Evidence per
	// event, starting from uniform (default 3).
	Evidence float64
}

func (c HeadlineConfig) withDefaults() HeadlineConfig {
	if c.ShowAt <= 0 {
		c.ShowAt = 0.5
	}
	if c.DropAt <= 0 {
		c.DropAt = 0.35
	}
	if c.Margin <= 0 {
		c.Margin = 0.15
	}
	if c.Hold <= 0 {
		c.Hold = 2
	}
	if c.Evidence < 1 {
		c.Evidence = 3
	}
	return c
}

// headline is the hysteresis on the class shown to an agent: it changes only on evidence.
// The evidence is an exponential moving average of the events' calibrated probabilities
// (weight 1/Evidence, from uniform). Each event proposes a state from it — the top class
// when it is confident (≥ ShowAt) and, if another class is shown, leads it by Margin;
// else the shown class while it holds DropAt; else unsure — and the headline moves to a
// proposed state only after Hold consecutive events propose it. A class that flickers
// around the top therefore never reaches the headline, one estimate cannot flip it, and
// a model that keeps changing its mind reads "unsure". (A Schmitt trigger with a
// debounce, on accumulated calibrated evidence.)
type headline struct {
	cfg   HeadlineConfig
	ev    [NumClasses]float64
	cur   int // shown class, −1 unsure
	cand  int
	count int
}

func newHeadline(cfg HeadlineConfig) headline {
	h := headline{cfg: cfg.withDefaults(), cur: -1, cand: -1}
	for c := range h.ev {
		h.ev[c] = 1.0 / NumClasses
	}
	return h
}

// update takes the next event's probabilities and returns the class shown (−1: unsure).
func (h *headline) update(q *[NumClasses]float64) int {
	w := 1 / h.cfg.Evidence
	for c := range h.ev {
		h.ev[c] = w*q[c] + (1-w)*h.ev[c]
	}
	p := &h.ev
	top := 0
	for c, q := range p {
		if q > p[top] {
			top = c
		}
	}
	prop := -1
	switch {
	case p[top] >= h.cfg.ShowAt && (h.cur < 0 || top == h.cur || p[top]-p[h.cur] >= h.cfg.Margin):
		prop = top
	case h.cur >= 0 && p[h.cur] >= h.cfg.DropAt:
		prop = h.cur
	}
	if prop == h.cur {
		h.cand, h.count = -1, 0
		return h.cur
	}
	if prop == h.cand {
		h.count++
	} else {
		h.cand, h.count = prop, 1
	}
	if h.count >= h.cfg.Hold {
		h.cur, h.cand, h.count = prop, -1, 0
	}
	return h.cur
}

func (h *headline) name() string {
	if h.cur < 0 {
		return Unsure
	}
	return Classes[h.cur]
}
