package whip

import (
	"fmt"

	"github.com/pion/sdp/v3"

	"github.com/undertone/undertone/internal/event"
)

// offerInfo is what we need to know of an offer before giving it to pion.
type offerInfo struct {
	audio int // audio m-sections that send to us
	other int // non-audio m-sections
}

// checkOffer parses an SDP offer and rejects what cannot become a call: malformed SDP,
// no audio we would receive, more audio sections than parties, or a party given in the
// query that conflicts with two tracks.
func checkOffer(body []byte, party event.Party) (offerInfo, error) {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(string(body)); err != nil {
		return offerInfo{}, fmt.Errorf("whip: parse offer: %v: %w", err, ErrOffer)
	}
	var in offerInfo
	for _, m := range sd.MediaDescriptions {
		if m.MediaName.Media != "audio" {
			in.other++
			continue
		}
		dir := "sendrecv"
		for _, a := range m.Attributes {
			switch a.Key {
			case "sendonly", "recvonly", "inactive", "sendrecv":
				dir = a.Key
			}
		}
		if m.MediaName.Port.Value == 0 || dir == "recvonly" || dir == "inactive" {
			continue
		}
		in.audio++
	}
	switch {
	case in.audio == 0:
		return in, fmt.Errorf("whip: offer has no audio section that sends (%d other sections): %w", in.other, ErrOffer)
	case in.audio > 2:
		return in, fmt.Errorf("whip: offer has %d audio sections; at most 2 (customer, agent): %w", in.audio, ErrOffer)
	case in.audio == 2 && party != "":
		return in, fmt.Errorf("whip: party=%s given but the offer has two audio tracks; name them by stream id instead: %w", party, ErrOffer)
	}
	return in, nil
}
