package ingesttest_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/ingest/ingesttest"
	"github.com/undertone/undertone/internal/server/servertest"
	"github.com/undertone/undertone/internal/whipclient"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
	)
}

type whipPeer struct{ pub *whipclient.Publisher }

func (p whipPeer) CallID() string { return p.pub.Call() }
func (p whipPeer) Play(ctx context.Context, ch [][]int16, on func(int, time.Time)) error {
	return p.pub.Play(ctx, ch, on)
}
func (p whipPeer) Hangup(ctx context.Context) error { return p.pub.Close(ctx) }

// Vanish stops sending without DELETE (the peer connection stays up, silent): the call
// must end on its own. The test's cleanup closes the client.
func (p whipPeer) Vanish() {}

// The WHIP ingest passes the same contract as the telephony ones.
func TestWHIPContract(t *testing.T) {
	ingesttest.Run(t, ingesttest.Source{Name: "whip",
		Dial: func(ctx context.Context, n *servertest.Node, id string) (ingesttest.Peer, error) {
			pub, err := whipclient.Dial(ctx, whipclient.Params{Server: n.URL(), Token: servertest.IntegratorToken,
				Call: id, Parties: []event.Party{event.Customer, event.Agent}})
			if err != nil {
				return nil, err
			}
			n.T.Cleanup(func() { _ = pub.Close(context.Background()) })
			return whipPeer{pub}, nil
		}})
}
