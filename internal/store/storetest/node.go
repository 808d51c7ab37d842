package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/store"
)

// RunNodeScope opens dsn twice as two nodes sharing one database and checks that
// MarkInterrupted at one node's start leaves the other node's live calls alone.
func RunNodeScope(t *testing.T, dsn string, open Opener) {
	ctx := ctxT(t)
	node := func(name string) store.Store {
		st, err := open(ctx, dsn)
		must(t, err)
		t.Cleanup(func() { _ = st.Close() })
		ns, ok := st.(store.NodeScoped)
		if !ok {
			t.Fatalf("%T does not implement store.NodeScoped", st)
		}
		ns.SetNode(name)
		return st
	}
	a, b := node("node-a"), node("node-b")
	must(t, a.CallStarted(ctx, sampleCall("on-a", T0)))
	must(t, b.CallStarted(ctx, sampleCall("on-b", T0)))
	must(t, b.Write(ctx, &store.Batch{Emotions: []store.EmotionRow{emo("early-on-b", "customer", 1, "sad", 0, 0)}}))

	// node-b restarts after a crash.
	n, err := b.MarkInterrupted(ctx, T0.Add(time.Hour))
	must(t, err)
	if n != 2 {
		t.Fatalf("node-b interrupted %d calls, want its 2", n)
	}
	for id, want := range map[string]string{"on-a": store.StateLive, "on-b": store.StateInterrupted, "early-on-b": store.StateInterrupted} {
		c, err := a.GetCall(ctx, id)
		must(t, err)
		if c.State != want {
			t.Errorf("%s is %s, want %s", id, c.State, want)
		}
	}
	// A store with no node (single-node deployments) takes every live call.
	all, err := open(context.Background(), dsn)
	must(t, err)
	defer all.Close()
	n, err = all.MarkInterrupted(ctx, T0.Add(time.Hour))
	must(t, err)
	if n != 1 {
		t.Fatalf("unscoped MarkInterrupted = %d, want 1", n)
	}
}
