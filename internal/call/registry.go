package call

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/undertone/undertone/internal/clip"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/metrics"
)

// Config is shared by every call of a registry. Zero durations take the defaults in brackets.
type Config struct {
	Log       *slog.Logger
	Metrics   *metrics.Metrics
	Publish   func(event.Raw) // the bus; must not block
	Recorder  Recorder
	Analyzers []AnalyzerFactory     // extra analysis per party stream (emotion, …)
	Joiners   []CallAnalyzerFactory // analysis across the parties (dynamics, intents, hints)
	Now       func() time.Time
	// Sleep waits d or until ctx ends, reporting whether d passed; the party pacer holds
	// senders that run ahead of real time with it [a timer].
	Sleep        func(ctx context.Context, d time.Duration) bool
	Burst        time.Duration // how far ahead of real time a party's audio may run [DefaultBurst]
	IdleTimeout  time.Duration // end a call with no audio for this long [30s]
	CueInterval  time.Duration // live cue (level/pitch/vad) update period per party [100ms]
	StoreTimeout time.Duration // for writing a summary [5s]
	MaxCalls     int           // concurrent live calls, 0 = unlimited
	Recent       int           // ended calls kept in memory for listings [200]
}

func (c *Config) defaults() {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Sleep == nil {
		c.Sleep = sleepCtx
	}
	if c.Burst <= 0 {
		c.Burst = DefaultBurst
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 30 * time.Second
	}
	if c.CueInterval <= 0 {
		c.CueInterval = 100 * time.Millisecond
	}
	if c.StoreTimeout <= 0 {
		c.StoreTimeout = 5 * time.Second
	}
	if c.Recent <= 0 {
		c.Recent = 200
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Metrics == nil {
		c.Metrics = metrics.Discard()
	}
	if c.Publish == nil {
		c.Publish = func(event.Raw) {}
	}
	if c.Recorder == nil {
		c.Recorder = NopRecorder{}
	}
}

// NopRecorder persists nothing (tools and tests that do not need a store).
type NopRecorder struct{}

// CallStarted implements Recorder.
func (NopRecorder) CallStarted(context.Context, Record) error { return nil }

// CallEnded implements Recorder.
func (NopRecorder) CallEnded(context.Context, Record) error { return nil }

// Registry holds the live calls of this node.
type Registry struct {
	cfg Config

	mu      sync.Mutex
	live    map[string]*Call
	opening map[string]chan struct{} // ids whose start record is being written
	recent  []Info                   // newest last
	closing bool
}

// NewRegistry returns an empty registry.
func NewRegistry(cfg Config) *Registry {
	cfg.defaults()
	return &Registry{cfg: cfg, live: map[string]*Call{}, opening: map[string]chan struct{}{}}
}

// OpenParams describe a call an ingest protocol wants to start or join.
type OpenParams struct {
	ID     string // empty: a new id is made
	Source string // ingest protocol
	Agent  string
	Meta   map[string]string
	// Owner is who opens the leg: an integrator token's key, or a trusted peer
	// ("peer:10.0.0.7"). Only the owner of a live call may join it.
	Owner string
}

// Open returns the live call with p.ID if p.Owner opened it, or starts a new one.
// created reports which. A live call of another owner is ErrNotOwner; the id of a call
// that has ended — recently here, or in the store (the Recorder refuses it) — is
// ErrIDTaken: ids are never reused.
func (r *Registry) Open(p OpenParams) (c *Call, created bool, err error) {
	if p.ID == "" {
		p.ID = NewID()
	} else if err := ValidID(p.ID); err != nil {
		return nil, false, err
	}
	r.mu.Lock()
	for { // a second leg of a call whose start record is being written waits for it
		ch := r.opening[p.ID]
		if ch == nil {
			break
		}
		r.mu.Unlock()
		<-ch
		r.mu.Lock()
	}
	if r.closing {
		r.mu.Unlock()
		return nil, false, fmt.Errorf("call %s: %w (server shutting down)", p.ID, ErrEnded)
	}
	if c := r.live[p.ID]; c != nil {
		r.mu.Unlock()
		if c.owner != p.Owner {
			return nil, false, fmt.Errorf("call %s: %w", p.ID, ErrNotOwner)
		}
		return c, false, nil
	}
	if r.endedLocked(p.ID) {
		r.mu.Unlock()
		return nil, false, fmt.Errorf("call %s: %w", p.ID, ErrIDTaken)
	}
	if r.cfg.MaxCalls > 0 && len(r.live)+len(r.opening) >= r.cfg.MaxCalls {
		r.mu.Unlock()
		return nil, false, fmt.Errorf("call %s: %w (%d)", p.ID, ErrTooManyCalls, r.cfg.MaxCalls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c = &Call{id: p.ID, idJSON: quoteJSON(p.ID), source: p.Source, agent: p.Agent, meta: p.Meta, owner: p.Owner, cfg: &r.cfg,
		log: r.cfg.Log.With("call", p.ID, "source", p.Source), ctx: ctx, cancel: cancel,
		streams: map[event.Party]*Stream{}, state: Live, started: r.cfg.Now(),
		done: make(chan struct{}), onRemoved: r.remove}
	opened := make(chan struct{})
	r.opening[p.ID] = opened
	r.mu.Unlock()

	sctx, scancel := context.WithTimeout(context.Background(), r.cfg.StoreTimeout)
	c.mu.Lock()
	rec := c.recordLocked()
	c.mu.Unlock()
	serr := r.cfg.Recorder.CallStarted(sctx, rec)
	scancel()
	r.mu.Lock()
	delete(r.opening, p.ID)
	close(opened)
	if errors.Is(serr, ErrIDTaken) {
		r.mu.Unlock()
		cancel()
		return nil, false, fmt.Errorf("call %s: %w", p.ID, ErrIDTaken)
	}
	r.live[p.ID] = c
	r.mu.Unlock()
	if serr != nil {
		c.log.Error("recording call start failed", "err", serr)
	}
	r.cfg.Metrics.CallsActive.Inc()
	r.cfg.Metrics.CallsTotal.WithLabelValues(p.Source).Inc()
	c.log.Info("call started")
	c.startJoiner(r.cfg.Joiners)
	started := event.CallStartedData(c.callInfo(rec))
	c.Emit("", 0, &started)
	c.Go("watchdog", c.watch)
	return c, true, nil
}

// endedLocked reports whether id is a call that ended recently on this node.
func (r *Registry) endedLocked(id string) bool {
	for i := len(r.recent) - 1; i >= 0; i-- {
		if r.recent[i].ID == id {
			return true
		}
	}
	return false
}

func (r *Registry) remove(c *Call) {
	in := c.Info()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.live[c.id] == c {
		delete(r.live, c.id)
	}
	r.recent = append(r.recent, in)
	if len(r.recent) > r.cfg.Recent {
		r.recent = slices.Delete(r.recent, 0, len(r.recent)-r.cfg.Recent)
	}
}

// Get returns a live call, or nil.
func (r *Registry) Get(id string) *Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.live[id]
}

// Lookup returns the listing of a live or recently ended call held in memory.
func (r *Registry) Lookup(id string) (Info, bool) {
	if c := r.Get(id); c != nil {
		return c.Info(), true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.recent) - 1; i >= 0; i-- {
		if r.recent[i].ID == id {
			return r.recent[i], true
		}
	}
	return Info{}, false
}

// List returns live calls (oldest first) followed by recently ended ones (newest first).
func (r *Registry) List() []Info {
	r.mu.Lock()
	live := make([]*Call, 0, len(r.live))
	for _, c := range r.live {
		live = append(live, c)
	}
	recent := slices.Clone(r.recent)
	r.mu.Unlock()
	out := make([]Info, 0, len(live)+len(recent))
	for _, c := range live {
		out = append(out, c.Info())
	}
	slices.SortFunc(out, func(a, b Info) int { return a.StartedAt.Compare(b.StartedAt) })
	for i := len(recent) - 1; i >= 0; i-- {
		out = append(out, recent[i])
	}
	return out
}

// Live returns the number of live calls.
func (r *Registry) Live() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.live)
}

// Drain refuses new calls and ends every live call with reason "shutdown", writing their
// summaries. It returns ctx.Err() if ctx ends first (the calls keep ending in the background).
func (r *Registry) Drain(ctx context.Context) error {
	r.mu.Lock()
	r.closing = true
	calls := make([]*Call, 0, len(r.live))
	for _, c := range r.live {
		calls = append(calls, c)
	}
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range calls {
		wg.Add(1)
		go func() { defer wg.Done(); c.End("shutdown") }()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

var idEnc = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewID returns a random call id (20 lowercase base32 characters, 100 bits).
func NewID() string {
	var b [13]byte
	_, _ = rand.Read(b[:])
	return idEnc.EncodeToString(b[:])[:20]
}

// ValidID accepts ids integrators use: 1–128 characters of letters, digits, '-', '_', '.', ':',
// but not only dots ("." and ".." are path segments wherever an id lands in a URL or a
// file name). The error quotes at most clip.Max bytes of a refused id.
func ValidID(id string) error {
	if id == "" || len(id) > 128 || strings.Trim(id, ".") == "" {
		return fmt.Errorf("call id %s: %w", clip.Quote(id), ErrBadID)
	}
	if strings.IndexFunc(id, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '-' || r == '_' || r == '.' || r == ':')
	}) >= 0 {
		return fmt.Errorf("call id %s: %w", clip.Quote(id), ErrBadID)
	}
	return nil
}
