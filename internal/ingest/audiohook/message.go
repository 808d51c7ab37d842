package audiohook

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/undertone/undertone/internal/event"
)

// Version is the protocol version spoken.
const Version = "2"

// MaxMessage bounds a text message; MaxFrame an audio frame (1 s of stereo PCMU).
const (
	MaxMessage = 64 << 10
	MaxFrame   = 16000
)

// Message is one AudioHook text message. Parameters stay raw until the type is known.
type Message struct {
	Version    string          `json:"version"`
	Type       string          `json:"type"`
	Seq        int64           `json:"seq"`
	ClientSeq  int64           `json:"clientseq,omitempty"`
	ServerSeq  int64           `json:"serverseq,omitempty"`
	ID         string          `json:"id"`
	Position   string          `json:"position,omitempty"`
	Parameters json.RawMessage `json:"parameters,omitempty"`
}

// Client message types (and the server's answers).
const (
	TypeOpen       = "open"
	TypeOpened     = "opened"
	TypeClose      = "close"
	TypeClosed     = "closed"
	TypePing       = "ping"
	TypePong       = "pong"
	TypePaused     = "paused"
	TypeResumed    = "resumed"
	TypePause      = "pause"
	TypeResume     = "resume"
	TypeDiscarded  = "discarded"
	TypeUpdate     = "update"
	TypeError      = "error"
	TypeDTMF       = "dtmf"
	TypeDisconnect = "disconnect"
	TypeEvent      = "event"
)

// OpenParams are the parameters of open.
type OpenParams struct {
	OrganizationID string      `json:"organizationId"`
	ConversationID string      `json:"conversationId"`
	Participant    Participant `json:"participant"`
	Media          []Media     `json:"media"`
	Language       string      `json:"language,omitempty"`
	// CustomConfig is the integration's custom configuration and InputVariables the
	// Architect flow's variables: either may name the call's agent, team, queue and
	// playbook (string values; see ingest.MetaKeys).
	CustomConfig   map[string]any    `json:"customConfig,omitempty"`
	InputVariables map[string]string `json:"inputVariables,omitempty"`
}

// Participant is the external party as Genesys knows it.
type Participant struct {
	ID      string `json:"id"`
	ANI     string `json:"ani"`
	ANIName string `json:"aniName"`
	DNIS    string `json:"dnis"`
}

// Media is one offered (or the chosen) media format.
type Media struct {
	Type     string   `json:"type"`
	Format   string   `json:"format"`
	Channels []string `json:"channels"`
	Rate     int      `json:"rate"`
}

// ProbeConversation is the conversation id of Genesys' connection probes.
const ProbeConversation = "00000000-0000-0000-0000-000000000000"

// Parse decodes and checks one text message.
func Parse(b []byte) (Message, error) {
	var m Message
	if len(b) > MaxMessage {
		return m, fmt.Errorf("audiohook: message of %d bytes: %w", len(b), ErrMessage)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("audiohook: %v: %w", err, ErrMessage)
	}
	if m.Version != Version {
		return m, fmt.Errorf("audiohook: version %q, want %q: %w", m.Version, Version, ErrMessage)
	}
	if m.Type == "" || m.Seq < 1 {
		return m, fmt.Errorf("audiohook: type %q seq %d: %w", m.Type, m.Seq, ErrMessage)
	}
	return m, nil
}

// ParseOpen decodes and checks open's parameters.
func ParseOpen(m Message) (OpenParams, error) {
	var p OpenParams
	if m.Type != TypeOpen {
		return p, fmt.Errorf("audiohook: %s before open: %w", m.Type, ErrMessage)
	}
	if err := json.Unmarshal(m.Parameters, &p); err != nil {
		return p, fmt.Errorf("audiohook: open parameters: %v: %w", err, ErrMessage)
	}
	if p.ConversationID == "" || len(p.Media) == 0 || len(p.Media) > 16 {
		return p, fmt.Errorf("audiohook: open without conversationId or media: %w", ErrMessage)
	}
	return p, nil
}

// ChooseMedia picks PCMU 8 kHz, preferring both channels.
func ChooseMedia(offered []Media) (Media, error) {
	best, found := Media{}, false
	for _, m := range offered {
		if m.Type != "audio" || !strings.EqualFold(m.Format, "PCMU") || m.Rate != 8000 ||
			len(m.Channels) == 0 || len(m.Channels) > 2 {
			continue
		}
		ok := true
		for i, ch := range m.Channels {
			if _, err := ChannelParty(ch); err != nil || (i == 1 && ch == m.Channels[0]) {
				ok = false
			}
		}
		if ok && (!found || len(m.Channels) > len(best.Channels)) {
			best, found = m, true
		}
	}
	if !found {
		return Media{}, ErrMedia
	}
	return best, nil
}

// ChannelParty maps an AudioHook channel to its party.
func ChannelParty(ch string) (event.Party, error) {
	switch ch {
	case "external":
		return event.Customer, nil
	case "internal":
		return event.Agent, nil
	}
	return "", fmt.Errorf("audiohook: channel %q: %w", ch, ErrMessage)
}

// Deinterleave splits a frame of n interleaved channels into dst[i] (reused buffers).
func Deinterleave(dst [][]byte, frame []byte, n int) ([][]byte, error) {
	if n < 1 || len(frame)%n != 0 || len(frame) > MaxFrame {
		return dst, fmt.Errorf("audiohook: %d-byte frame for %d channels: %w", len(frame), n, ErrFrame)
	}
	for len(dst) < n {
		dst = append(dst, nil)
	}
	k := len(frame) / n
	for c := 0; c < n; c++ {
		d := dst[c][:0]
		for i := 0; i < k; i++ {
			d = append(d, frame[i*n+c])
		}
		dst[c] = d
	}
	return dst, nil
}

// FormatPosition renders a duration as the protocol's ISO 8601 position ("PT1.5S").
func FormatPosition(d time.Duration) string {
	return "PT" + strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "S"
}
