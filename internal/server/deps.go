package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/undertone/undertone/internal/bus"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/dynamics"
	"github.com/undertone/undertone/internal/emotion"
	"github.com/undertone/undertone/internal/hints"
	"github.com/undertone/undertone/internal/intent"
	"github.com/undertone/undertone/internal/store"
	_ "github.com/undertone/undertone/internal/store/postgres" // selected by a postgres:// DSN
	_ "github.com/undertone/undertone/internal/store/sqlite"   // the embedded default backend
	"github.com/undertone/undertone/internal/summary"
	"github.com/undertone/undertone/internal/transcript"
)

// deps are what a node opens and loads before its parts are built: the store, its event
// recorder, the bus, the bundled models and the recogniser. close releases them in
// reverse order, after the node has ended its calls.
type deps struct {
	log     *slog.Logger
	store   store.Store
	rec     *store.Recorder
	emotion *emotion.Model
	bus     bus.Bus
	intent  *intent.Model // transcript → intent and needs
	hints   *hints.Engine // "vraag achter de vraag": a joiner, and what hint feedback is checked against
	asr     *asrComponent // embedded recogniser (or none: transcripts only from integrators)

	stop chan struct{}
	wg   sync.WaitGroup
}

// openDeps opens the store (SQLite in the data dir unless a Postgres DSN is configured),
// marks calls a crash left live as interrupted, starts the recorder and the retention
// sweeper, and loads the models.
func openDeps(ctx context.Context, cfg config.Config, log *slog.Logger) (*deps, error) {
	if cfg.Store == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("data dir: %w", err)
		}
	}
	dsn := cfg.Store
	if dsn == "" {
		dsn = filepath.Join(cfg.DataDir, "undertone.db")
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	// Nodes that share a store (Postgres) or a bus (NATS) need names: at start a node marks
	// only its own calls interrupted. A single node keeps the unnamed default, so that a
	// container whose host name changes on every start still finds its earlier calls.
	node := cfg.Node
	if node == "" && cfg.NATS != "" {
		node, _ = os.Hostname()
	}
	if ns, ok := st.(store.NodeScoped); ok && node != "" {
		ns.SetNode(node)
	}
	if n, err := st.MarkInterrupted(ctx, time.Now()); err != nil {
		st.Close()
		return nil, fmt.Errorf("store: mark interrupted calls: %w", err)
	} else if n > 0 {
		log.Warn("calls left live by an earlier crash marked interrupted", "calls", n)
	}
	start := time.Now()
	em, err := emotion.LoadDefault()
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("emotion model: %w", err)
	}
	log.Info("emotion model loaded", "took", time.Since(start).Round(time.Microsecond))
	log.Info("emotion model trained on", "corpora", em.Card.Corpus, "licence", em.Card.Licence, "date", em.Card.Date)
	he, err := hintEngine(cfg.HintPlaybooks, cfg.Language, cfg.Hints.Sectors)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("hint playbooks: %w", err)
	}
	log.Info("hint playbooks loaded", "rules", he.Rules())
	start = time.Now()
	im, err := intent.LoadDefault()
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("intent model: %w", err)
	}
	log.Info("intent model loaded", "took", time.Since(start).Round(time.Microsecond))
	c := &deps{log: log, store: st, emotion: em, bus: bus.NewLocal(), intent: im, hints: he, stop: make(chan struct{})}
	c.rec = store.NewRecorder(st, log.With("component", "recorder"), 0)
	own := c.bus // the events this node's calls make: each call is stored once, by its node
	if cfg.NATS != "" {
		nb, err := bus.DialNATS(bus.NATSConfig{URL: cfg.NATS, Node: node, Log: log.With("component", "bus")})
		if err != nil {
			_ = c.rec.Close(ctx)
			st.Close()
			return nil, err
		}
		c.bus, own = nb, nb.Own()
	}
	own.Subscribe(c.rec.Record)
	if c.asr, err = openASR(cfg, log, own); err != nil {
		_ = c.bus.Close()
		_ = c.rec.Close(ctx)
		st.Close()
		return nil, err
	}
	if cfg.RetentionDays > 0 {
		c.wg.Add(1)
		go c.retain(time.Duration(cfg.RetentionDays) * 24 * time.Hour)
	}
	return c, nil
}

// retain deletes what is older than the retention period, at start and every hour.
func (c *deps) retain(keep time.Duration) {
	defer c.wg.Done()
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		n, err := c.store.Retain(ctx, time.Now().Add(-keep))
		cancel()
		if err != nil {
			c.log.Error("retention sweep failed", "err", err)
		} else if n > 0 {
			c.log.Info("retention: deleted old calls", "calls", n, "older_than", keep)
		}
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
	}
}

func (c *deps) analyzers() []call.AnalyzerFactory {
	fs := []call.AnalyzerFactory{emotion.NewAnalyzerFactory(c.emotion, emotion.DefaultConfig())}
	if a := c.asr.analyzer(); a != nil {
		fs = append(fs, a)
	}
	return fs
}

// joiners are the stages across both parties, in order: conversation dynamics first,
// so what follows sees its events.
func (c *deps) joiners() []call.CallAnalyzerFactory {
	return []call.CallAnalyzerFactory{
		c.asr.status(), // transcript.status: whether this call gets an embedded transcript
		dynamics.NewFactory(dynamics.Config{}),
		transcript.NewIntentFactory(transcript.IntentConfig{Classify: c.intent.ClassifyEvent}),
		c.hints.Factory(),
		summary.NewFactory(), // last: the after-call summary of what the others found
	}
}

// close drains the recorder (after the node has ended its calls) and closes the store.
func (c *deps) close(ctx context.Context) error {
	close(c.stop)
	c.wg.Wait()
	aerr := c.asr.close() // the node has drained its calls: no utterance is still queued
	berr := c.bus.Close() // sends what other nodes have not had yet
	err := c.rec.Close(ctx)
	return errors.Join(aerr, berr, err, c.store.Close())
}
