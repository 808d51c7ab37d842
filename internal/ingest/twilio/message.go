package twilio

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/undertone/undertone/internal/event"
)

// Message is one Twilio Media Streams message; only the part named by Event is set.
type Message struct {
	Event          string `json:"event"`
	SequenceNumber string `json:"sequenceNumber,omitempty"`
	StreamSid      string `json:"streamSid,omitempty"`
	Protocol       string `json:"protocol,omitempty"` // connected
	Version        string `json:"version,omitempty"`  // connected
	Start          *Start `json:"start,omitempty"`
	Media          *Media `json:"media,omitempty"`
	Mark           *Mark  `json:"mark,omitempty"`
	Stop           *Stop  `json:"stop,omitempty"`
	DTMF           *DTMF  `json:"dtmf,omitempty"`
}

// Start describes the stream.
type Start struct {
	AccountSid       string            `json:"accountSid"`
	StreamSid        string            `json:"streamSid"`
	CallSid          string            `json:"callSid"`
	Tracks           []string          `json:"tracks"`
	CustomParameters map[string]string `json:"customParameters,omitempty"`
	MediaFormat      MediaFormat       `json:"mediaFormat"`
}

// MediaFormat of the media payloads.
type MediaFormat struct {
	Encoding   string `json:"encoding"`
	SampleRate int    `json:"sampleRate"`
	Channels   int    `json:"channels"`
}

// Media is one chunk of one track.
type Media struct {
	Track     string `json:"track"`
	Chunk     string `json:"chunk"`
	Timestamp string `json:"timestamp"`
	Payload   string `json:"payload"`
}

// Mark echoes a mark the server sent.
type Mark struct {
	Name string `json:"name"`
}

// Stop ends the stream.
type Stop struct {
	AccountSid string `json:"accountSid"`
	CallSid    string `json:"callSid"`
}

// DTMF is a key press on the inbound track.
type DTMF struct {
	Track string `json:"track"`
	Digit string `json:"digit"`
}

// Message kinds.
const (
	EventConnected = "connected"
	EventStart     = "start"
	EventMedia     = "media"
	EventMark      = "mark"
	EventStop      = "stop"
	EventDTMF      = "dtmf"
)

// MaxMessage bounds a message: a 20 ms chunk is ~250 bytes; Twilio never sends more than a
// few hundred ms at once.
const MaxMessage = 64 << 10

// Parse decodes and checks one message: the event is known and carries its part.
func Parse(b []byte) (Message, error) {
	var m Message
	if len(b) > MaxMessage {
		return m, fmt.Errorf("twilio: message of %d bytes: %w", len(b), ErrMessage)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("twilio: %v: %w", err, ErrMessage)
	}
	switch m.Event {
	case EventConnected, EventMark, EventDTMF:
	case EventStart:
		if m.Start == nil {
			return m, fmt.Errorf("twilio: start without a start object: %w", ErrMessage)
		}
		if len(m.Start.Tracks) == 0 || len(m.Start.Tracks) > 2 {
			return m, fmt.Errorf("twilio: start with %d tracks: %w", len(m.Start.Tracks), ErrMessage)
		}
		for _, tr := range m.Start.Tracks {
			if _, err := TrackParty(tr); err != nil {
				return m, err
			}
		}
		f := m.Start.MediaFormat
		if f.Encoding != "audio/x-mulaw" || f.SampleRate != 8000 || (f.Channels != 1 && f.Channels != 0) {
			return m, fmt.Errorf("twilio: media format %s/%d/%d, want audio/x-mulaw/8000/1: %w", f.Encoding, f.SampleRate, f.Channels, ErrMediaFormat)
		}
	case EventMedia:
		if m.Media == nil {
			return m, fmt.Errorf("twilio: media without a media object: %w", ErrMessage)
		}
		if _, err := TrackParty(m.Media.Track); err != nil {
			return m, err
		}
	case EventStop:
	case "":
		return m, fmt.Errorf("twilio: no event field: %w", ErrMessage)
	default:
		return m, fmt.Errorf("twilio: event %q: %w", m.Event, ErrMessage)
	}
	return m, nil
}

// TrackParty maps a track name to its party: inbound (what the caller says) is the
// customer, outbound (what is played to the caller: the agent) the agent.
func TrackParty(track string) (event.Party, error) {
	switch track {
	case "inbound", "inbound_track":
		return event.Customer, nil
	case "outbound", "outbound_track":
		return event.Agent, nil
	}
	return "", fmt.Errorf("twilio: track %q: %w", track, ErrMessage)
}

// DecodePayload appends the µ-law bytes of a media payload to dst.
func DecodePayload(dst []byte, payload string) ([]byte, error) {
	n := base64.StdEncoding.DecodedLen(len(payload))
	if cap(dst)-len(dst) < n {
		dst = append(make([]byte, 0, len(dst)+n), dst...)
	}
	k, err := base64.StdEncoding.Decode(dst[len(dst):len(dst)+n], []byte(payload))
	if err != nil {
		return dst, fmt.Errorf("twilio: media payload: %v: %w", err, ErrMessage)
	}
	return dst[:len(dst)+k], nil
}

// Chunk parses a media chunk counter (0 if absent or not a number).
func Chunk(s string) uint64 {
	n, _ := strconv.ParseUint(s, 10, 64)
	return n
}
