package dynamics

import "time"

// Config holds the thresholds; zero fields take the defaults in brackets. They are
// conversation conventions a CX lead may tune, so main may read them from config.
type Config struct {
	// DeadAir is the silence (both parties quiet) that counts as dead air [3s].
	DeadAir time.Duration
	// DeadAirAlert and DeadAirCritical raise a warning and then a critical alert during
	// one silence [15s, 45s].
	DeadAirAlert    time.Duration
	DeadAirCritical time.Duration
	// An onset is an interruption when the other party had been speaking for at least
	// InterruptFloor [1s] and stops within InterruptYield [1.5s] of the onset while the
	// interrupter is still speaking.
	InterruptFloor time.Duration
	InterruptYield time.Duration
	// MinTurn is the shortest segment that takes the floor; shorter ones in the other's
	// pauses are back-channels ("ja", "mm-hm") [1s].
	MinTurn time.Duration
	// The agent_overtalk alert fires when the agent interrupts the customer
	// OvertalkCount times within OvertalkWindow [3, 2m], or keeps talking over the
	// customer for OvertalkRun in one go [4s].
	OvertalkCount  int
	OvertalkWindow time.Duration
	OvertalkRun    time.Duration
	// AlertCooldown is the least media time between two agent_overtalk alerts [60s].
	AlertCooldown time.Duration
	// Every is the least time between two dynamics events [1s].
	Every time.Duration
	// MaxSkew is how far one party's vad events may lag the other's before the lagging
	// party stops holding the timeline back [2s].
	MaxSkew time.Duration
}

func (c *Config) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.DeadAir, 3*time.Second)
	def(&c.DeadAirAlert, 15*time.Second)
	def(&c.DeadAirCritical, 45*time.Second)
	def(&c.InterruptFloor, time.Second)
	def(&c.InterruptYield, 1500*time.Millisecond)
	def(&c.MinTurn, time.Second)
	def(&c.OvertalkWindow, 2*time.Minute)
	def(&c.OvertalkRun, 4*time.Second)
	def(&c.AlertCooldown, time.Minute)
	def(&c.Every, time.Second)
	def(&c.MaxSkew, 2*time.Second)
	if c.OvertalkCount <= 0 {
		c.OvertalkCount = 3
	}
}
