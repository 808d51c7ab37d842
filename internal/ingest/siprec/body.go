package siprec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"strings"
)

// Content types of a SIPREC INVITE body.
const (
	TypeSDP      = "application/sdp"
	TypeMetadata = "application/rs-metadata+xml"
)

// MaxBody bounds an INVITE body.
const MaxBody = 128 << 10

// SplitBody returns the SDP and (for SIPREC) the recording metadata of an INVITE body.
func SplitBody(contentType string, body []byte) (sdp, meta []byte, err error) {
	if len(body) > MaxBody {
		return nil, nil, fmt.Errorf("siprec: body of %d bytes: %w", len(body), ErrOffer)
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, nil, fmt.Errorf("siprec: Content-Type %q: %v: %w", contentType, err, ErrOffer)
	}
	switch {
	case mt == TypeSDP:
		return body, nil, nil
	case strings.HasPrefix(mt, "multipart/"):
		b := params["boundary"]
		if b == "" {
			return nil, nil, fmt.Errorf("siprec: %s without a boundary: %w", mt, ErrOffer)
		}
		r := multipart.NewReader(bytes.NewReader(body), b)
		for i := 0; i < 8; i++ {
			p, err := r.NextRawPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, nil, fmt.Errorf("siprec: multipart body: %v: %w", err, ErrOffer)
			}
			pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
			data, err := io.ReadAll(io.LimitReader(p, MaxBody))
			if err != nil {
				return nil, nil, fmt.Errorf("siprec: multipart part: %v: %w", err, ErrOffer)
			}
			switch pt {
			case TypeSDP:
				sdp = data
			case TypeMetadata:
				meta = data
			}
		}
		if sdp == nil {
			return nil, nil, fmt.Errorf("siprec: multipart body without application/sdp: %w", ErrOffer)
		}
		return sdp, meta, nil
	}
	return nil, nil, fmt.Errorf("siprec: Content-Type %s: want application/sdp or multipart/mixed: %w", mt, ErrOffer)
}
