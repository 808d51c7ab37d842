package siprec

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/pion/rtp"

	"github.com/undertone/undertone/internal/call"
)

// readRTP is one stream's loop on a goroutine owned by the call. Packets from an address
// that is neither the offer's nor the SIP peer's are dropped; so are payload types other
// than the negotiated codec (telephone events are expected and ignored silently).
func (s *Server) readRTP(ctx context.Context, c *call.Call, st *call.Stream, sm *stream, sipPeer netip.Addr) {
	buf := make([]byte, 1600)
	var h rtp.Header
	var strangers, badPT, malformed uint64
	want := sm.offer.Addr.Unmap()
	log := c.Log().With("party", sm.party)
	for {
		n, from, err := sm.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			switch {
			case ctx.Err() != nil:
			case errors.Is(err, net.ErrClosed): // BYE closed the sockets before the call's end
				c.Leave(sm.party)
			default:
				log.Warn("RTP socket failed", "err", err)
				c.Leave(sm.party)
			}
			return
		}
		if a := from.Addr().Unmap(); a != want && a != sipPeer {
			if strangers++; strangers == 1 || strangers%1000 == 0 {
				log.Warn("dropping RTP from an unknown source", "from", from.String(), "want", want.String(), "count", strangers)
			}
			continue
		}
		payload, err := parseRTP(&h, buf[:n])
		if err != nil {
			if malformed++; malformed == 1 || malformed%1000 == 0 {
				log.Warn("dropping malformed RTP", "from", from.String(), "count", malformed, "err", err)
			}
			continue
		}
		switch {
		case h.PayloadType == sm.offer.PT:
			st.WriteRTP(h.SequenceNumber, payload)
		case int(h.PayloadType) == sm.offer.DTMF, h.PayloadType == 13: // telephone-event, comfort noise
		default:
			if badPT++; badPT == 1 || badPT%1000 == 0 {
				log.Warn("dropping RTP with an unnegotiated payload type", "pt", h.PayloadType, "count", badPT)
			}
		}
	}
}

// parseRTP reads the header into h and returns the payload without padding.
func parseRTP(h *rtp.Header, b []byte) ([]byte, error) {
	hl, err := h.Unmarshal(b)
	if err != nil {
		return nil, err
	}
	if h.Version != 2 {
		return nil, fmt.Errorf("RTP version %d", h.Version)
	}
	if hl > len(b) {
		return nil, fmt.Errorf("RTP header of %d bytes in a %d-byte packet", hl, len(b))
	}
	payload := b[hl:]
	if h.Padding {
		if len(payload) == 0 || int(payload[len(payload)-1]) > len(payload) {
			return nil, fmt.Errorf("RTP padding longer than the payload")
		}
		payload = payload[:len(payload)-int(payload[len(payload)-1])]
	}
	return payload, nil
}
