package ingest

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Call metadata every ingest may carry (WHIP query parameters, SIP X-Undertone-* headers,
// SIPREC metadata, Twilio customParameters, AudioHook's language and parameters,
// AudioSocket bindings, replay flags). They decide who sees the call (agent, team),
// which recogniser transcribes it (lang), which hint playbooks apply (queue, playbook)
// and how it is reported (queue).
const (
	MetaAgent    = "agent"    // the agent the call is routed to (agent tokens see only theirs)
	MetaTeam     = "team"     // the agent's team (supervisor scope)
	MetaQueue    = "queue"    // the queue or skill the call came through
	MetaLang     = "lang"     // the caller's language: BCP 47 such as nl, nl-NL, en-GB
	MetaPlaybook = "playbook" // hint sector(s), comma-separated: banking, telecom, …
)

// MetaKeys are the keys above, in the order documentation lists them.
var MetaKeys = []string{MetaAgent, MetaTeam, MetaQueue, MetaLang, MetaPlaybook}

// Limits on metadata values: short identifiers, no control or markup characters.
const (
	MaxMetaValue = 64  // agent, team, queue, lang, playbook
	MaxMetaExtra = 128 // protocol keys (sip_call_id, twilio_call_sid, …)
	maxMetaKeys  = 16
)

// ErrMeta is wrapped by every metadata refusal.
var ErrMeta = errors.New("invalid call metadata")

// Meta is a call's metadata: the keys above plus protocol keys (sip_call_id,
// twilio_stream_sid, audiosocket_uuid, …). Empty values are absent.
type Meta map[string]string

// Set stores v under k when v is not empty (whitespace trimmed).
func (m Meta) Set(k, v string) {
	if v = strings.TrimSpace(v); v != "" {
		m[k] = v
	}
}

// Check refuses metadata an integrator (or an attacker) could use to inject: values
// longer than the limits, control characters, characters outside letters, digits,
// space and `-_.:@/+#,=`, more than a handful of keys, and a lang that is not a
// language tag. The message names the key, never echoes the value.
func (m Meta) Check() error {
	if len(m) > maxMetaKeys {
		return fmt.Errorf("ingest: %d metadata keys (at most %d): %w", len(m), maxMetaKeys, ErrMeta)
	}
	for k, v := range m {
		if !validKey(k) {
			return fmt.Errorf("ingest: metadata key of %d bytes: %w", len(k), ErrMeta)
		}
		limit := MaxMetaExtra
		for _, known := range MetaKeys {
			if k == known {
				limit = MaxMetaValue
			}
		}
		if len(v) > limit {
			return fmt.Errorf("ingest: metadata %s: longer than %d bytes: %w", k, limit, ErrMeta)
		}
		if !utf8.ValidString(v) || strings.IndexFunc(v, badMetaRune) >= 0 {
			return fmt.Errorf("ingest: metadata %s: characters other than letters, digits, space and -_.:@/+#,=: %w", k, ErrMeta)
		}
	}
	if l := m[MetaLang]; l != "" && !validLangTag(l) {
		return fmt.Errorf("ingest: metadata lang: not a language tag such as nl or en-GB: %w", ErrMeta)
	}
	return nil
}

// withoutAgent is the metadata the call keeps beside its agent (which has its own field).
func (m Meta) withoutAgent() map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if k != MetaAgent {
			out[k] = v
		}
	}
	return out
}

func validKey(k string) bool {
	if k == "" || len(k) > 32 {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

func badMetaRune(r rune) bool {
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		return false
	}
	return !strings.ContainsRune(" -_.:@/+#,=", r)
}

// validLangTag accepts BCP 47-shaped tags: 2–3 letters, then subtags of 2–8 letters or
// digits ("nl", "nl-NL", "en-GB", "zh-Hant-TW").
func validLangTag(s string) bool {
	parts := strings.Split(strings.ReplaceAll(s, "_", "-"), "-")
	if len(parts[0]) < 2 || len(parts[0]) > 3 {
		return false
	}
	for i, p := range parts {
		if len(p) == 0 || len(p) > 8 {
			return false
		}
		for _, r := range p {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
				return false
			}
		}
	}
	return true
}
