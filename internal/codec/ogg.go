package codec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// ErrOgg is returned for bytes that are not a mono Ogg Opus stream of 20 ms packets.
var ErrOgg = errors.New("codec: not a mono Ogg Opus stream of 20 ms packets")

// ReadOggOpus returns the audio packets of a mono Ogg Opus stream (RFC 3533 pages,
// RFC 7845 mapping: the OpusHead and OpusTags packets are checked and dropped), each
// checked to be one 20 ms packet: what opusenc --framesize 20 writes, and what the load
// generator and the fixtures send as RTP payloads. Test and tool input, not a general
// Ogg demuxer (one logical stream, no seeking, no granule checks).
func ReadOggOpus(r io.Reader) ([][]byte, error) {
	var pkts [][]byte
	var cur []byte
	var hdr [27]byte
	for page := 0; ; page++ {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) && page > 0 {
				break
			}
			return nil, fmt.Errorf("codec: ogg page %d: %v: %w", page, err, ErrOgg)
		}
		if string(hdr[:4]) != "OggS" || hdr[4] != 0 {
			return nil, fmt.Errorf("codec: ogg page %d: bad capture pattern: %w", page, ErrOgg)
		}
		lacing := make([]byte, hdr[26])
		if _, err := io.ReadFull(r, lacing); err != nil {
			return nil, fmt.Errorf("codec: ogg page %d: %v: %w", page, err, ErrOgg)
		}
		for _, n := range lacing {
			seg := make([]byte, n)
			if _, err := io.ReadFull(r, seg); err != nil {
				return nil, fmt.Errorf("codec: ogg page %d: %v: %w", page, err, ErrOgg)
			}
			cur = append(cur, seg...)
			if n < 255 { // a lacing value below 255 ends the packet
				pkts = append(pkts, cur)
				cur = nil
			}
		}
	}
	if len(pkts) < 2 || !bytes.HasPrefix(pkts[0], []byte("OpusHead")) || !bytes.HasPrefix(pkts[1], []byte("OpusTags")) {
		return nil, fmt.Errorf("codec: no OpusHead/OpusTags: %w", ErrOgg)
	}
	if len(pkts[0]) < 10 || pkts[0][9] != 1 {
		return nil, fmt.Errorf("codec: want a mono stream: %w", ErrOgg)
	}
	pkts = pkts[2:]
	for i, p := range pkts {
		if n, err := OpusPacketSamples(p); err != nil || n != 960 {
			return nil, fmt.Errorf("codec: packet %d lasts %d samples at 48 kHz (%v): %w", i, n, err, ErrOgg)
		}
	}
	return pkts, nil
}
