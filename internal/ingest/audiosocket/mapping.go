package audiosocket

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/clip"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/ingest"
)

// Mapping modes for UUIDs that have no registered binding.
const (
	MapSuffix = "suffix" // last hex digit: 0 customer, 1 agent, the rest is the call id; any other UUID is its own call
	MapUUID   = "uuid"   // every UUID is its own call, of one party (Config.DefaultParty)
	MapStrict = "strict" // only registered bindings
)

// Binding says which call and party a UUID's connection feeds, and the call's metadata.
type Binding struct {
	UUID     string      `json:"uuid"`
	Call     string      `json:"call"`
	Party    event.Party `json:"party"`
	Agent    string      `json:"agent,omitempty"`
	Team     string      `json:"team,omitempty"`
	Queue    string      `json:"queue,omitempty"`
	Lang     string      `json:"lang,omitempty"`
	Playbook string      `json:"playbook,omitempty"`
}

// meta is the call metadata the binding carries.
func (b Binding) meta() ingest.Meta {
	m := ingest.Meta{}
	m.Set(ingest.MetaAgent, b.Agent)
	m.Set(ingest.MetaTeam, b.Team)
	m.Set(ingest.MetaQueue, b.Queue)
	m.Set(ingest.MetaLang, b.Lang)
	m.Set(ingest.MetaPlaybook, b.Playbook)
	m.Set("audiosocket_uuid", b.UUID)
	return m
}

// bindings holds registrations until their connection arrives or they expire.
type bindings struct {
	mu  sync.Mutex
	ttl time.Duration
	now func() time.Time
	max int
	by  map[string]bindingEntry
}

type bindingEntry struct {
	b       Binding
	owner   *auth.Principal // the integrator that registered it; nil: none
	slot    *ingest.Slot    // that integrator's place under its call limit; nil: none
	expires time.Time
}

// sweepLocked drops expired bindings and gives back their integrators' places.
func (bs *bindings) sweepLocked(now time.Time) {
	for k, e := range bs.by {
		if now.After(e.expires) {
			e.slot.Release()
			delete(bs.by, k)
		}
	}
}

func (bs *bindings) sweep() {
	bs.mu.Lock()
	bs.sweepLocked(bs.now())
	bs.mu.Unlock()
}

func (bs *bindings) add(b Binding, owner *auth.Principal, slot *ingest.Slot) error {
	u, err := parseUUIDString(b.UUID)
	if err != nil {
		return err
	}
	if err := b.meta().Check(); err != nil {
		return fmt.Errorf("audiosocket: binding %s: %w", u, err)
	}
	if !b.Party.Valid() {
		return fmt.Errorf("audiosocket: binding %s: party %s: %w", u, clip.Quote(string(b.Party)), event.ErrParty)
	}
	if err := call.ValidID(b.Call); err != nil {
		return fmt.Errorf("audiosocket: binding %s: %w", u, err)
	}
	b.UUID = u
	now := bs.now()
	bs.mu.Lock()
	defer bs.mu.Unlock()
	bs.sweepLocked(now) // the map is bounded by max
	if len(bs.by) >= bs.max {
		return fmt.Errorf("audiosocket: %d bindings pending: %w", len(bs.by), call.ErrTooManyCalls)
	}
	if old, ok := bs.by[u]; ok { // re-registered: the new binding's place replaces the old one's
		old.slot.Release()
	}
	bs.by[u] = bindingEntry{b: b, owner: owner, slot: slot, expires: now.Add(bs.ttl)}
	return nil
}

// take removes and returns the binding of uuid, if any and not expired.
// The caller owns the returned slot (nil when the binding carries none).
func (bs *bindings) take(uuid string) (bindingEntry, bool) {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	e, ok := bs.by[uuid]
	if !ok {
		return bindingEntry{}, false
	}
	delete(bs.by, uuid)
	if bs.now().After(e.expires) {
		e.slot.Release()
		return bindingEntry{}, false
	}
	return e, true
}

// resolve maps a UUID to its call and party under mode. lone reports a UUID that no rule
// pairs with another leg: in suffix mode one whose last hex digit is neither 0 nor 1 (what
// a stock dialplan's ${UUID()} sends fifteen times in sixteen), in uuid mode every UUID.
// Such a UUID becomes a call of its own, id the whole UUID, with party def.
func resolve(uuid, mode string, def event.Party) (b Binding, lone bool, err error) {
	switch mode {
	case MapUUID:
		return Binding{UUID: uuid, Call: uuid, Party: def}, true, nil
	case MapStrict:
		return Binding{}, false, fmt.Errorf("audiosocket: UUID %s: no binding registered (mapping strict): %w", uuid, ErrUnmapped)
	}
	switch uuid[len(uuid)-1] {
	case '0':
		return Binding{UUID: uuid, Call: uuid[:len(uuid)-1], Party: event.Customer}, false, nil
	case '1':
		return Binding{UUID: uuid, Call: uuid[:len(uuid)-1], Party: event.Agent}, false, nil
	}
	return Binding{UUID: uuid, Call: uuid, Party: def}, true, nil
}

// FormatUUID renders 16 bytes as the canonical 8-4-4-4-12 lowercase form.
func FormatUUID(b []byte) string {
	const hex = "0123456789abcdef"
	var out [36]byte
	j := 0
	for i, c := range b[:16] {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j], out[j+1] = hex[c>>4], hex[c&0xf]
		j += 2
	}
	return string(out[:])
}

// ParseUUID parses the canonical form (any case) into 16 bytes.
func ParseUUID(s string) ([16]byte, error) {
	var u [16]byte
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, fmt.Errorf("audiosocket: UUID %s: want 8-4-4-4-12 hex digits: %w", clip.Quote(s), ErrFrame)
	}
	hexv := func(c byte) (byte, bool) {
		switch {
		case c >= '0' && c <= '9':
			return c - '0', true
		case c >= 'a' && c <= 'f':
			return c - 'a' + 10, true
		case c >= 'A' && c <= 'F':
			return c - 'A' + 10, true
		}
		return 0, false
	}
	j := 0
	for i := 0; i < 36; i += 2 {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			i++ // the dash, checked above
		}
		hi, ok1 := hexv(s[i])
		lo, ok2 := hexv(s[i+1])
		if !ok1 || !ok2 {
			return u, fmt.Errorf("audiosocket: UUID %s: not hex: %w", clip.Quote(s), ErrFrame)
		}
		u[j] = hi<<4 | lo
		j++
	}
	return u, nil
}

func parseUUIDString(s string) (string, error) {
	u, err := ParseUUID(strings.TrimSpace(s))
	if err != nil {
		return "", err
	}
	return FormatUUID(u[:]), nil
}
