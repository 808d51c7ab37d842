package siprec

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// Offer is one m= line of an offer.
type Offer struct {
	Index     int    // m-line position
	Audio     bool   // an audio line we can take
	Label     string // a=label
	Addr      netip.Addr
	Port      int
	PT        uint8  // chosen payload type
	Codec     string // MIME, e.g. audio/PCMU
	Rate      int
	Encoding  string // as in a=rtpmap, e.g. PCMU/8000
	DTMF      int    // telephone-event payload type, -1 if none
	DTMFClock int
	Proto     string
	Media     string
}

// ParseOffer reads the SDP offer; every m-line is returned (so the answer keeps their
// order), with Audio set where we can receive it.
func ParseOffer(b []byte) ([]Offer, error) {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(string(b)); err != nil {
		return nil, fmt.Errorf("siprec: SDP: %v: %w", err, ErrOffer)
	}
	var sessAddr netip.Addr
	if sd.ConnectionInformation != nil && sd.ConnectionInformation.Address != nil {
		sessAddr, _ = netip.ParseAddr(sd.ConnectionInformation.Address.Address)
	}
	out := make([]Offer, 0, len(sd.MediaDescriptions))
	audio := 0
	for i, md := range sd.MediaDescriptions {
		o := Offer{Index: i, Port: md.MediaName.Port.Value, DTMF: -1, Media: md.MediaName.Media,
			Proto: strings.Join(md.MediaName.Protos, "/"), Addr: sessAddr}
		if md.ConnectionInformation != nil && md.ConnectionInformation.Address != nil {
			if a, err := netip.ParseAddr(md.ConnectionInformation.Address.Address); err == nil {
				o.Addr = a
			}
		}
		rtpmap := map[uint8]string{}
		for _, a := range md.Attributes {
			switch a.Key {
			case "label":
				o.Label = strings.TrimSpace(a.Value)
			case "rtpmap":
				pt, enc, ok := strings.Cut(a.Value, " ")
				if n, err := strconv.Atoi(pt); ok && err == nil && n >= 0 && n < 128 {
					rtpmap[uint8(n)] = strings.TrimSpace(enc)
				}
			}
		}
		if o.Media == "audio" && o.Port > 0 && strings.HasPrefix(o.Proto, "RTP/AVP") && o.Addr.IsValid() {
			o.pick(md.MediaName.Formats, rtpmap)
		}
		if o.Audio {
			audio++
		}
		out = append(out, o)
	}
	if audio == 0 {
		return out, fmt.Errorf("siprec: no audio stream with PCMU, PCMA or Opus over RTP/AVP: %w", ErrOffer)
	}
	return out, nil
}

// pick chooses the first offered format we decode; static types need no rtpmap.
func (o *Offer) pick(formats []string, rtpmap map[uint8]string) {
	for _, f := range formats {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 || n > 127 {
			continue
		}
		pt := uint8(n)
		enc, ok := rtpmap[pt]
		if !ok {
			switch pt {
			case 0:
				enc = "PCMU/8000"
			case 8:
				enc = "PCMA/8000"
			}
		}
		name, clock, _ := strings.Cut(enc, "/")
		clock, _, _ = strings.Cut(clock, "/")
		rate, _ := strconv.Atoi(clock)
		switch {
		case strings.EqualFold(name, "telephone-event"):
			if o.DTMF < 0 {
				o.DTMF, o.DTMFClock = int(pt), rate
			}
		case !o.Audio && (strings.EqualFold(name, "PCMU") || strings.EqualFold(name, "PCMA")) && rate == 8000,
			!o.Audio && strings.EqualFold(name, "opus") && rate == 48000:
			o.Audio, o.PT, o.Codec, o.Rate, o.Encoding = true, pt, "audio/"+name, rate, enc
		}
	}
}

// Answer builds the recvonly answer: our port per accepted audio line (ports[i] for
// offers[i]), port 0 for the others, in the offer's order.
func Answer(offers []Offer, ip netip.Addr, ports []int, sessionID uint64) []byte {
	fam := "IP4"
	if ip.Is6() {
		fam = "IP6"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\no=undertone %d %d IN %s %s\r\ns=undertone\r\nc=IN %s %s\r\nt=0 0\r\n",
		sessionID, sessionID, fam, ip, fam, ip)
	for i, o := range offers {
		if !o.Audio || ports[i] == 0 {
			proto := o.Proto
			if proto == "" {
				proto = "RTP/AVP"
			}
			media := o.Media
			if media == "" {
				media = "audio"
			}
			fmt.Fprintf(&b, "m=%s 0 %s 0\r\n", media, proto)
			continue
		}
		fmts := strconv.Itoa(int(o.PT))
		if o.DTMF >= 0 {
			fmts += " " + strconv.Itoa(o.DTMF)
		}
		fmt.Fprintf(&b, "m=audio %d %s %s\r\n", ports[i], o.Proto, fmts)
		fmt.Fprintf(&b, "a=rtpmap:%d %s\r\n", o.PT, o.Encoding)
		if o.DTMF >= 0 {
			fmt.Fprintf(&b, "a=rtpmap:%d telephone-event/%d\r\n", o.DTMF, max(o.DTMFClock, 8000))
		}
		if o.Label != "" {
			fmt.Fprintf(&b, "a=label:%s\r\n", o.Label)
		}
		b.WriteString("a=recvonly\r\n")
	}
	return []byte(b.String())
}
