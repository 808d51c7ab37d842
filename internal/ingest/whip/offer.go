package whip

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"

	"github.com/undertone/undertone/internal/event"
)

// offerInfo is what we need to know of an offer before giving it to pion.
type offerInfo struct {
	audio    int      // audio m-sections that send to us
	other    int      // non-audio m-sections
	sections int      // all m-sections
	mids     []string // a=mid of every m-section, "" where absent
	bundled  bool     // the offer has an a=group:BUNDLE line
}

// supportedCodecs are the audio codecs the media engine registers (New), as
// lower-case "name/clock rate".
var supportedCodecs = []string{"opus/48000", "pcmu/8000", "pcma/8000"}

// checkOffer parses an SDP offer and rejects what cannot become a call: malformed SDP,
// no audio we would receive, audio in no codec we decode, more audio sections than
// parties, or a party given in the query that conflicts with two tracks.
func checkOffer(body []byte, party event.Party) (offerInfo, error) {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(string(body)); err != nil {
		return offerInfo{}, fmt.Errorf("whip: parse offer: %v: %w", err, ErrOffer)
	}
	in := offerInfo{sections: len(sd.MediaDescriptions)}
	if g, ok := sd.Attribute(sdp.AttrKeyGroup); ok && strings.HasPrefix(g, "BUNDLE") {
		in.bundled = true
	}
	var offered []string // codecs of the audio sections that send, for the error message
	for _, m := range sd.MediaDescriptions {
		mid, _ := m.Attribute(sdp.AttrKeyMID)
		in.mids = append(in.mids, mid)
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
		codecs := audioCodecs(m)
		offered = append(offered, codecs...)
		if !slices.ContainsFunc(codecs, func(c string) bool { return slices.Contains(supportedCodecs, c) }) {
			continue
		}
		in.audio++
	}
	switch {
	case in.audio == 0 && len(offered) > 0:
		return in, fmt.Errorf("whip: offer has no audio in a codec this server decodes (offered %s; supported opus/48000, PCMU/8000, PCMA/8000): %w",
			strings.Join(offered, ", "), ErrOffer)
	case in.audio == 0:
		return in, fmt.Errorf("whip: offer has no audio section that sends (%d other sections): %w", in.other, ErrOffer)
	case in.audio > 2:
		return in, fmt.Errorf("whip: offer has %d audio sections; at most 2 (customer, agent): %w", in.audio, ErrOffer)
	case in.audio == 2 && party != "":
		return in, fmt.Errorf("whip: party=%s given but the offer has two audio tracks; name them by stream id instead: %w", party, ErrOffer)
	}
	return in, nil
}

// audioCodecs lists an audio section's codecs as lower-case "name/clock rate": from its
// rtpmap lines, and the static payload types 0 (PCMU) and 8 (PCMA) that need none.
func audioCodecs(m *sdp.MediaDescription) []string {
	mapped := map[string]string{}
	for _, a := range m.Attributes {
		if a.Key != "rtpmap" {
			continue
		}
		pt, enc, ok := strings.Cut(a.Value, " ")
		if !ok {
			continue
		}
		name, rate, _ := strings.Cut(strings.ToLower(strings.TrimSpace(enc)), "/")
		rate, _, _ = strings.Cut(rate, "/") // drop the channel count
		mapped[pt] = name + "/" + rate
	}
	var out []string
	for _, f := range m.MediaName.Formats {
		c, ok := mapped[f]
		if !ok {
			switch n, err := strconv.Atoi(f); {
			case err == nil && n == 0:
				c = "pcmu/8000"
			case err == nil && n == 8:
				c = "pcma/8000"
			default:
				c = "pt " + f
			}
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// bundleSingle makes an offer without a BUNDLE group that has exactly one m-section,
// with a mid, acceptable to pion v4.2.20: that version answers every section of an offer
// without a=group:BUNDLE with port 0 (generateMatchedSDP turns the missing group into an
// empty one; fixed upstream in pion/webrtc PR #3522, not in a version we can use), which is
// what GStreamer's webrtcbin with bundle-policy=none sends. With one section, bundling
// changes nothing on the wire: there is one transport either way. It reports whether it
// changed the offer; the answer then goes through unbundleAnswer.
func bundleSingle(offer []byte, in offerInfo) ([]byte, bool) {
	if in.bundled || in.sections != 1 || in.mids[0] == "" {
		return offer, false
	}
	s := string(offer)
	i := strings.Index(s, "\nm=")
	if i < 0 {
		return offer, false
	}
	eol := "\n"
	if i > 0 && s[i-1] == '\r' {
		eol = "\r\n"
	}
	return []byte(s[:i+1] + "a=group:BUNDLE " + in.mids[0] + eol + s[i+1:]), true
}

// unbundleAnswer removes the a=group:BUNDLE line from an answer to an offer that had
// none: RFC 8843 §7.3 lets an answer bundle only what the offer did.
func unbundleAnswer(answer string) string {
	lines := strings.SplitAfter(answer, "\n")
	out := lines[:0]
	for _, l := range lines {
		if !strings.HasPrefix(l, "a=group:BUNDLE") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}

// rejectedAudio counts the audio m-sections an answer rejects (port 0) and all of its
// audio sections.
func rejectedAudio(answer string) (rejected, audio int) {
	var sd sdp.SessionDescription
	if sd.UnmarshalString(answer) != nil {
		return 0, 0
	}
	for _, m := range sd.MediaDescriptions {
		if m.MediaName.Media != "audio" {
			continue
		}
		audio++
		if m.MediaName.Port.Value == 0 {
			rejected++
		}
	}
	return rejected, audio
}
