package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/websocket"

	"github.com/undertone/undertone/internal/cli"
)

// runWatch prints one call's events (or every call's, with no --call) as JSON lines:
// what an integrator's consumer receives, for debugging and scripts.
func runWatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	server := fs.String("server", "http://127.0.0.1:8080", "undertone base URL")
	token := fs.String("token", "", "bearer token (agent, supervisor or admin)")
	callID := fs.String("call", "", "call id (empty: all calls, supervisor)")
	types := fs.String("types", "", "comma-separated event types to print (default all)")
	since := fs.Uint64("since", 0, "replay held events after this sequence number")
	pos, err := cli.Parse(fs, args, "usage: undertone watch --server URL --token T [--call ID] [--types emotion,hint]", stderr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return cli.Usage("watch", "unexpected argument %q", pos[0])
	}
	u := "ws" + strings.TrimPrefix(strings.TrimRight(*server, "/"), "http") + "/v1/ws/calls"
	if *callID != "" {
		u += "/" + url.PathEscape(*callID)
	}
	u += fmt.Sprintf("?since=%d", *since)
	// A call that has not started yet is waited for (the server's call_wait); the token
	// travels in the header, not the URL (URLs end up in proxy logs).
	conn, resp, err := websocket.DefaultDialer.DialContext(ctx, u, http.Header{"Authorization": {"Bearer " + *token}})
	if err != nil {
		if resp != nil {
			return fmt.Errorf("watch: %s: %w", resp.Status, err)
		}
		return fmt.Errorf("watch: %w", err)
	}
	defer conn.Close()
	go func() { <-ctx.Done(); conn.Close() }()
	want := map[string]bool{}
	for _, t := range strings.Split(*types, ",") {
		if t = strings.TrimSpace(t); t != "" {
			want[t] = true
		}
	}
	for {
		_, b, err := conn.ReadMessage()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ce *websocket.CloseError
			if errors.As(err, &ce) && ce.Text != "" {
				return fmt.Errorf("watch: closed by the server (%d): %s", ce.Code, ce.Text)
			}
			return fmt.Errorf("watch: %w", err)
		}
		if len(want) > 0 {
			i := strings.Index(string(b), `"type":"`)
			if i < 0 {
				continue
			}
			t := string(b[i+8:])
			t = t[:strings.IndexByte(t, '"')]
			if !want[t] {
				continue
			}
		}
		fmt.Fprintln(stdout, string(b))
		if *callID != "" && strings.Contains(string(b), `"type":"call.ended"`) {
			return nil
		}
	}
}
