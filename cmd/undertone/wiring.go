package main

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/undertone/undertone/internal/api"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/emotion"
)

// components are the parts main loads before the node starts: the store and the models.
type components struct {
	emotion *emotion.Model
}

// openStore opens the store and loads the bundled models.
// TODO(store): open the SQLite/Postgres store once internal/store lands.
func openStore(_ context.Context, _ config.Config, log *slog.Logger) (*components, error) {
	start := time.Now()
	em, err := emotion.LoadDefault()
	if err != nil {
		return nil, fmt.Errorf("emotion model: %w", err)
	}
	log.Info("emotion model loaded", "took", time.Since(start).Round(time.Microsecond))
	return &components{emotion: em}, nil
}

func (c *components) recorder() call.Recorder { return call.NopRecorder{} }

func (c *components) analyzers() []call.AnalyzerFactory {
	return []call.AnalyzerFactory{emotion.NewAnalyzerFactory(c.emotion, emotion.DefaultConfig())}
}

func (c *components) lister() api.CallLister { return nil }
func (c *components) Close() error          { return nil }

func webFS() fs.FS { return nil }
