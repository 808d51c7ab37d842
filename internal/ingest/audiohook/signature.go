package audiohook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RequiredComponents must be covered by a signature: who is calling, where, and which
// session, so a signature cannot be moved to another session or server.
var RequiredComponents = []string{"@request-target", "@authority", "audiohook-session-id", "x-api-key"}

// SigInput is a parsed Signature-Input member.
type SigInput struct {
	Label      string
	Components []string
	Raw        string // the inner list with its parameters, as signed
	KeyID      string
	Nonce      string
	Alg        string
	Created    int64
	Expires    int64
}

// ParseSignatureInput reads the first member of a Signature-Input header
// (RFC 9421 §4.1: label=("comp" …);param=value…).
func ParseSignatureInput(h string) (SigInput, error) {
	var si SigInput
	h = strings.TrimSpace(h)
	label, rest, ok := strings.Cut(h, "=")
	if !ok || label == "" || !strings.HasPrefix(rest, "(") {
		return si, fmt.Errorf("audiohook: Signature-Input %q: %w", trunc(h), ErrSignature)
	}
	if i := strings.Index(rest, ", "); i > 0 && strings.Count(rest[:i], "(") == 1 && strings.Contains(rest[:i], ")") {
		rest = rest[:i] // a second member follows: only the first is used
	}
	si.Label, si.Raw = label, rest
	end := strings.IndexByte(rest, ')')
	if end < 0 {
		return si, fmt.Errorf("audiohook: Signature-Input: unterminated list: %w", ErrSignature)
	}
	for _, f := range strings.Fields(rest[1:end]) {
		if len(f) < 2 || f[0] != '"' || f[len(f)-1] != '"' {
			return si, fmt.Errorf("audiohook: Signature-Input: component %q: %w", trunc(f), ErrSignature)
		}
		si.Components = append(si.Components, strings.ToLower(f[1:len(f)-1]))
	}
	for _, p := range strings.Split(rest[end+1:], ";") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		unq := strings.Trim(v, `"`)
		switch k {
		case "keyid":
			si.KeyID = unq
		case "nonce":
			si.Nonce = unq
		case "alg":
			si.Alg = unq
		case "created", "expires":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return si, fmt.Errorf("audiohook: Signature-Input: %s=%q: %w", k, trunc(v), ErrSignature)
			}
			if k == "created" {
				si.Created = n
			} else {
				si.Expires = n
			}
		}
	}
	return si, nil
}

// SignatureBase builds the string that is signed (RFC 9421 §2.5) for the request.
func SignatureBase(r *http.Request, si SigInput) (string, error) {
	var b strings.Builder
	for _, c := range si.Components {
		var v string
		switch c {
		case "@request-target":
			v = r.URL.RequestURI()
		case "@authority":
			v = strings.ToLower(r.Host)
		case "@method":
			v = r.Method
		case "@path":
			v = r.URL.EscapedPath()
		case "@query":
			v = "?" + r.URL.RawQuery
		default:
			if strings.HasPrefix(c, "@") {
				return "", fmt.Errorf("audiohook: signature component %q not supported: %w", trunc(c), ErrSignature)
			}
			vals := r.Header.Values(c)
			if len(vals) == 0 {
				return "", fmt.Errorf("audiohook: signed header %q missing: %w", trunc(c), ErrSignature)
			}
			for i := range vals {
				vals[i] = strings.TrimSpace(vals[i])
			}
			v = strings.Join(vals, ", ")
		}
		fmt.Fprintf(&b, "%q: %s\n", c, v)
	}
	b.WriteString(`"@signature-params": ` + si.Raw)
	return b.String(), nil
}

// Sign returns the Signature header value for base under the base64 client secret.
func Sign(base string, secret []byte, label string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(base))
	return label + "=:" + base64.StdEncoding.EncodeToString(m.Sum(nil)) + ":"
}

// Verifier checks request signatures and remembers nonces so none is used twice.
type Verifier struct {
	Secret  []byte        // decoded client secret
	MaxSkew time.Duration // clock skew allowed for created [30s]
	MaxAge  time.Duration // a signature without expires is good this long after created [5m]

	mu     sync.Mutex
	nonces map[string]time.Time // nonce → when it may be forgotten
}

// Verify checks r's signature at now.
func (v *Verifier) Verify(r *http.Request, now time.Time) error {
	skew, maxAge := v.MaxSkew, v.MaxAge
	if skew <= 0 {
		skew = 30 * time.Second
	}
	if maxAge <= 0 {
		maxAge = 5 * time.Minute
	}
	in, sig := r.Header.Get("Signature-Input"), r.Header.Get("Signature")
	if in == "" || sig == "" {
		return fmt.Errorf("audiohook: Signature and Signature-Input required: %w", ErrSignature)
	}
	si, err := ParseSignatureInput(in)
	if err != nil {
		return err
	}
	if si.Alg != "" && si.Alg != "hmac-sha256" {
		return fmt.Errorf("audiohook: signature alg %q: %w", trunc(si.Alg), ErrSignature)
	}
	if si.KeyID != r.Header.Get("X-API-KEY") {
		return fmt.Errorf("audiohook: signature keyid is not the API key: %w", ErrSignature)
	}
	for _, req := range RequiredComponents {
		found := false
		for _, c := range si.Components {
			found = found || c == req
		}
		if !found {
			return fmt.Errorf("audiohook: signature does not cover %s: %w", req, ErrSignature)
		}
	}
	if si.Nonce == "" || si.Created == 0 {
		return fmt.Errorf("audiohook: signature without nonce or created: %w", ErrSignature)
	}
	created := time.Unix(si.Created, 0)
	expires := created.Add(maxAge)
	if si.Expires != 0 {
		expires = time.Unix(si.Expires, 0)
	}
	if created.After(now.Add(skew)) {
		return fmt.Errorf("audiohook: signature created %s in the future: %w", created.Sub(now).Round(time.Second), ErrSignature)
	}
	// A signature is good until expires and never longer than MaxAge after created, so
	// the nonce memory below covers every signature that could still be replayed.
	if now.After(expires.Add(skew)) || now.Sub(created) > maxAge+skew {
		return fmt.Errorf("audiohook: signature expired (created %s, expires %s): %w",
			created.UTC().Format(time.RFC3339), expires.UTC().Format(time.RFC3339), ErrSignature)
	}
	base, err := SignatureBase(r, si)
	if err != nil {
		return err
	}
	want := Sign(base, v.Secret, si.Label)
	got := strings.TrimSpace(sig)
	if i := strings.Index(got, ", "); i > 0 {
		got = got[:i]
	}
	if !hmac.Equal([]byte(got), []byte(want)) {
		return fmt.Errorf("audiohook: signature does not match: %w", ErrSignature)
	}
	// Only a verified signature may consume its nonce (a forger cannot burn nonces).
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.nonces == nil {
		v.nonces = map[string]time.Time{}
	}
	for n, until := range v.nonces {
		if now.After(until) {
			delete(v.nonces, n)
		}
	}
	if _, seen := v.nonces[si.Nonce]; seen {
		return fmt.Errorf("audiohook: nonce already used (replayed request): %w", ErrSignature)
	}
	v.nonces[si.Nonce] = created.Add(maxAge + 2*skew)
	return nil
}

func trunc(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
