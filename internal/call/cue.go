package call

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/undertone/undertone/internal/event"
)

// The stream's live cues (level and pitch every CueInterval, vad on changes) are most of
// a call's events, so they skip encoding/json: the stream appends each payload into a
// buffer it reuses, and emitCue writes the event around it byte for byte as Marshal
// would (TestCueEncodingMatchesJSON holds it to that). What is left per event is its
// body — one allocation, which the bus, the hub's history and the websocket queues keep
// after Emit returns, so it cannot be reused; nothing is allocated per hop or packet.

// emitCue is Emit for a payload already encoded as JSON (an object). joinData is what a
// call analyzer gets as ev.Data (the vad payload; nil for level and pitch, which never go
// to the joiner); it is only boxed when the call has analyzers.
func (c *Call) emitCue(typ string, party event.Party, t time.Duration, payload []byte, counter prometheus.Counter,
	joinData *event.VADData) {
	c.emitMu.Lock()
	defer c.emitMu.Unlock()
	c.seq++
	// 62 bytes of names and punctuation, at most 63 of numbers, then the strings: the
	// body is allocated once, at its final size
	b := make([]byte, 0, 128+len(c.idJSON)+len(typ)+len(party)+len(payload))
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, event.Version, 10)
	b = append(b, `,"type":"`...)
	b = append(b, typ...) // event type constants: nothing to escape
	b = append(b, `","call":`...)
	b = append(b, c.idJSON...)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, c.seq, 10)
	b = append(b, `,"ts":`...)
	ts := c.cfg.Now().UnixMilli()
	b = strconv.AppendInt(b, ts, 10)
	if party != "" {
		b = append(b, `,"party":"`...)
		b = append(b, party...) // a valid party: nothing to escape
		b = append(b, '"')
	}
	if t != 0 {
		b = append(b, `,"t":`...)
		b = appendJSONFloat(b, t.Seconds())
	}
	b = append(b, `,"data":`...)
	b = append(b, payload...)
	b = append(b, '}')
	counter.Inc()
	c.cfg.Publish(event.Raw{Type: typ, Call: c.id, Seq: c.seq, Party: party, Body: b})
	if joinData != nil && c.joinCh != nil {
		d := *joinData // the stream reuses its own: the joiner gets a copy (a few vad changes a second)
		c.enqueue(event.Event{V: event.Version, Type: typ, Call: c.id, Seq: c.seq, TS: ts, Party: party,
			T: t.Seconds(), Data: &d})
	}
}

// quoteJSON is s as encoding/json writes a string.
func quoteJSON(s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return b
}

// appendJSONFloat appends f as encoding/json writes a float64 (the ES6 number format:
// shortest round-trip digits, exponent form below 1e-6 and from 1e21). NaN and ±Inf,
// which json refuses, are written as 0: cue values are finite by construction.
func appendJSONFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, '0')
	}
	fmt := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		fmt = 'e'
	}
	b = strconv.AppendFloat(b, f, fmt, -1, 64)
	if fmt == 'e' { // e-09 → e-9, as encoding/json does
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

func appendJSONBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

// appendLevel, appendPitch and appendVAD encode the cue payloads with the field names
// and order of their json tags in package event.
func appendLevel(b []byte, d event.LevelData) []byte {
	b = append(b, `{"dbfs":`...)
	b = appendJSONFloat(b, d.DBFS)
	b = append(b, `,"peak":`...)
	b = appendJSONFloat(b, d.Peak)
	return append(b, '}')
}

func appendPitch(b []byte, d event.PitchData) []byte {
	b = append(b, `{"hz":`...)
	b = appendJSONFloat(b, d.Hz)
	b = append(b, `,"voiced":`...)
	b = appendJSONBool(b, d.Voiced)
	b = append(b, `,"conf":`...)
	b = appendJSONFloat(b, d.Conf)
	return append(b, '}')
}

func appendVAD(b []byte, d event.VADData) []byte {
	b = append(b, `{"speech":`...)
	b = appendJSONBool(b, d.Speech)
	b = append(b, `,"talk_s":`...)
	b = appendJSONFloat(b, d.TalkS)
	return append(b, '}')
}
