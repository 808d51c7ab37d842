package ingesttest_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/ingest/ingesttest"
	"github.com/undertone/undertone/internal/ingest/ingesttest/linein"
	"github.com/undertone/undertone/internal/server/servertest"
)

type lineinPeer struct {
	id    string
	conns []net.Conn
}

func (p *lineinPeer) CallID() string { return p.id }

func (p *lineinPeer) Play(ctx context.Context, ch [][]int16, on func(int, time.Time)) error {
	buf := make([]byte, 320)
	return ingesttest.PlayFrames(ctx, ch, on, func(_, i int, fr []int16) error {
		for k, v := range fr {
			binary.LittleEndian.PutUint16(buf[2*k:], uint16(v))
		}
		_, err := p.conns[i].Write(buf)
		return err
	})
}

func (p *lineinPeer) Hangup(context.Context) error {
	for _, c := range p.conns {
		c.Close()
	}
	return nil
}

// Vanish keeps the sockets open and silent: the idle timeout must end the call.
func (p *lineinPeer) Vanish() {}

// A sixth protocol — a package and one registration line — passes the same contract as
// the five shipped ones: both parties' cues, the summary, the end, a vanished peer.
func TestSixthProtocolPassesTheContract(t *testing.T) {
	ingesttest.Run(t, ingesttest.Source{Name: "linein", Protocol: linein.Protocol,
		Dial: func(ctx context.Context, n *servertest.Node, id string) (ingesttest.Peer, error) {
			var addr string
			for _, p := range n.Protocols() {
				if s, ok := p.(*linein.Server); ok {
					addr = s.Addr()
				}
			}
			peer := &lineinPeer{id: id}
			for _, party := range []string{"customer", "agent"} {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					return nil, err
				}
				fmt.Fprintf(c, "CALL %s %s\n", id, party)
				line, err := bufio.NewReader(c).ReadString('\n')
				if err != nil || !strings.HasPrefix(line, "OK") {
					return nil, fmt.Errorf("line-in %s: %q %v", party, line, err)
				}
				n.T.Cleanup(func() { c.Close() })
				peer.conns = append(peer.conns, c)
			}
			return peer, nil
		}})
}
