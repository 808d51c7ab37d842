package main

import (
	"context"
	"io/fs"
	"log/slog"

	"github.com/undertone/undertone/internal/api"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/config"
)

// components are the optional parts main wires into the registry and the API.
type components struct{}

// TODO(store): replace with the SQLite/Postgres store once internal/store lands.
func openStore(_ context.Context, _ config.Config, _ *slog.Logger) (*components, error) {
	return &components{}, nil
}

func (c *components) recorder() call.Recorder           { return call.NopRecorder{} }
func (c *components) analyzers() []call.AnalyzerFactory { return nil }
func (c *components) lister() api.CallLister            { return nil }
func (c *components) Close() error                      { return nil }

func webFS() fs.FS { return nil }
