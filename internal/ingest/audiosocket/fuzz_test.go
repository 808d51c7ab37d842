package audiosocket

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/undertone/undertone/internal/event"
)

// FuzzReader: any byte stream yields frames that respect the limits, or a wrapped
// ErrFrame/ErrTruncated, or io.EOF — never a panic, never a payload over the limit, and
// re-encoding the frames read reproduces the consumed prefix of the input.
func FuzzReader(f *testing.F) {
	uuid := AppendFrame(nil, KindUUID, bytes.Repeat([]byte{0xab}, 16))
	f.Add(uuid)
	f.Add(AppendFrame(uuid, KindSlin, make([]byte, 320)))
	f.Add(append(AppendFrame(uuid, KindSlin, make([]byte, 320)), 0x00, 0, 0))
	f.Add([]byte{0x10, 0xff, 0xff, 1, 2})
	f.Add([]byte{0x01, 0x00})
	f.Add([]byte{0xff, 0x00, 0x01, 0x02})
	f.Add([]byte{0x12, 0x00, 0x02, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReader(bytes.NewReader(in), 640)
		var out []byte
		for {
			fr, err := r.Next()
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, ErrFrame) && !errors.Is(err, ErrTruncated) {
					t.Fatalf("unexpected error class: %v", err)
				}
				if errors.Is(err, io.EOF) && !bytes.Equal(out, in) {
					t.Fatalf("clean EOF but re-encoded %x != input %x", out, in)
				}
				break
			}
			if SlinRate(fr.Kind) > 0 && (len(fr.Payload) > 640 || len(fr.Payload)%2 != 0) {
				t.Fatalf("audio payload %d bytes passed the checks", len(fr.Payload))
			}
			if fr.Kind == KindUUID && len(fr.Payload) != 16 {
				t.Fatalf("UUID of %d bytes", len(fr.Payload))
			}
			out = AppendFrame(out, fr.Kind, fr.Payload)
			if !bytes.HasPrefix(in, out) {
				t.Fatalf("re-encoded frames are not a prefix of the input")
			}
		}
	})
}

// FuzzUUID: ParseUUID and FormatUUID round-trip whatever parses.
func FuzzUUID(f *testing.F) {
	f.Add("4f2b8a36-1c9d-4e7a-9b3f-0d2c5e6a7b80")
	f.Add("4F2B8A36-1C9D-4E7A-9B3F-0D2C5E6A7B8Z")
	f.Add("------------------------------------")
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseUUID(s)
		if err != nil {
			return
		}
		back := FormatUUID(u[:])
		u2, err := ParseUUID(back)
		if err != nil || u2 != u {
			t.Fatalf("%q → %x → %q does not round-trip", s, u, back)
		}
		b, lone, err := resolve(back, MapSuffix, event.Customer)
		paired := back[35] == '0' || back[35] == '1'
		switch {
		case err != nil:
			t.Fatalf("suffix mapping refused %q: %v", back, err)
		case paired == lone, paired && b.Call != back[:35], !paired && (b.Call != back || b.Party != event.Customer):
			t.Fatalf("suffix mapping of %q: %+v lone=%v", back, b, lone)
		}
	})
}
