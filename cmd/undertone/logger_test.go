package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/undertone/undertone/internal/config"
)

// The process's logger redacts credentials whatever component logs them, in both formats.
func TestLoggerRedacts(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		log := newLogger(config.Config{LogLevel: "info", LogFormat: format}, &buf)
		log.Error("request failed", "url", "/v1/ws/calls/c1?token=static-token-123", "err",
			errors.New("dial postgres://u:hunter2pass@db/u: refused"), "hdr", "X-Undertone-Token: static-token-123")
		if out := buf.String(); strings.Contains(out, "static-token-123") || strings.Contains(out, "hunter2pass") {
			t.Errorf("%s: credential in the log: %s", format, out)
		}
	}
}
