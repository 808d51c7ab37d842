package twilio

import (
	"testing"
)

// FuzzParse: any message parses to a checked Message or a wrapped error, never a panic;
// a parsed media message's payload decodes or fails cleanly.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"event":"connected","protocol":"Call","version":"1.0.0"}`))
	f.Add([]byte(`{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC1","streamSid":"MZ1","callSid":"CA1","tracks":["inbound","outbound"],"customParameters":{"token":"x"},"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}},"streamSid":"MZ1"}`))
	f.Add([]byte(`{"event":"media","sequenceNumber":"3","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":"/////w=="},"streamSid":"MZ1"}`))
	f.Add([]byte(`{"event":"stop","stop":{"callSid":"CA1"}}`))
	f.Add([]byte(`{"event":"media"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		switch m.Event {
		case EventStart:
			if m.Start == nil || len(m.Start.Tracks) == 0 {
				t.Fatal("start accepted without tracks")
			}
		case EventMedia:
			if m.Media == nil {
				t.Fatal("media accepted without media")
			}
			if _, err := TrackParty(m.Media.Track); err != nil {
				t.Fatal("media accepted with an unknown track")
			}
			out, err := DecodePayload(nil, m.Media.Payload)
			if err == nil && len(out) > len(m.Media.Payload) {
				t.Fatal("payload grew when decoded")
			}
			_ = Chunk(m.Media.Chunk)
		}
	})
}
