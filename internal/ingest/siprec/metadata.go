package siprec

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
)

// Metadata is the part of RFC 7865 recording metadata we use.
type Metadata struct {
	SessionID    string
	Participants []Participant // in document order: the first is the caller
	Streams      map[string]string
}

// Participant of the recorded session.
type Participant struct {
	ID   string
	AOR  string
	Name string
	Send []string // stream ids this participant sends
}

type xmlRecording struct {
	XMLName      xml.Name         `xml:"recording"`
	Sessions     []xmlSession     `xml:"session"`
	Participants []xmlParticipant `xml:"participant"`
	Streams      []xmlStream      `xml:"stream"`
	Assocs       []xmlAssoc       `xml:"participantstreamassoc"`
}

type xmlSession struct {
	ID  string `xml:"session_id,attr"`
	ID2 string `xml:"id,attr"`
}

type xmlParticipant struct {
	ID     string `xml:"participant_id,attr"`
	ID2    string `xml:"id,attr"`
	NameID struct {
		AOR  string `xml:"aor,attr"`
		Name string `xml:"name"`
	} `xml:"nameID"`
	AOR  string   `xml:"aor"` // RFC 6341-era drafts
	Send []string `xml:"send"`
}

type xmlStream struct {
	ID    string `xml:"stream_id,attr"`
	ID2   string `xml:"id,attr"`
	Label string `xml:"label"`
}

type xmlAssoc struct {
	Participant string   `xml:"participant_id,attr"`
	Send        []string `xml:"send"`
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// MaxMetadata bounds the metadata document.
const MaxMetadata = 64 << 10

// ParseMetadata reads rs-metadata XML: participants (document order), which streams each
// sends, and the SDP label of every stream.
func ParseMetadata(b []byte) (Metadata, error) {
	var md Metadata
	if len(b) > MaxMetadata {
		return md, fmt.Errorf("siprec: metadata of %d bytes: %w", len(b), ErrMetadata)
	}
	var r xmlRecording
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	dec.Entity = map[string]string{} // no custom entities
	if err := dec.Decode(&r); err != nil {
		return md, fmt.Errorf("siprec: metadata: %v: %w", err, ErrMetadata)
	}
	if len(r.Sessions) > 0 {
		md.SessionID = first(r.Sessions[0].ID, r.Sessions[0].ID2)
	}
	md.Streams = map[string]string{}
	for _, s := range r.Streams {
		if id := strings.TrimSpace(first(s.ID, s.ID2)); id != "" {
			md.Streams[id] = strings.TrimSpace(s.Label)
		}
	}
	byID := map[string]int{}
	for _, p := range r.Participants {
		id := strings.TrimSpace(first(p.ID, p.ID2))
		if id == "" {
			continue
		}
		if _, dup := byID[id]; dup {
			continue
		}
		byID[id] = len(md.Participants)
		md.Participants = append(md.Participants, Participant{ID: id, AOR: first(p.NameID.AOR, p.AOR),
			Name: strings.TrimSpace(p.NameID.Name), Send: trimAll(p.Send)})
	}
	for _, a := range r.Assocs {
		if i, ok := byID[strings.TrimSpace(a.Participant)]; ok {
			md.Participants[i].Send = append(md.Participants[i].Send, trimAll(a.Send)...)
		}
	}
	if len(md.Participants) == 0 {
		return md, fmt.Errorf("siprec: metadata names no participant: %w", ErrMetadata)
	}
	return md, nil
}

func trimAll(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// LabelParticipant returns the index of the participant that sends the stream with SDP
// label, or -1.
func (md Metadata) LabelParticipant(label string) int {
	if label == "" {
		return -1
	}
	for i, p := range md.Participants {
		for _, sid := range p.Send {
			if md.Streams[sid] == label {
				return i
			}
		}
	}
	return -1
}
