package loadgen

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/undertone/undertone/internal/codec"
)

// ErrOgg is returned for bytes that are not an Ogg Opus stream of 20 ms packets.
var ErrOgg = errors.New("loadgen: not an Ogg Opus stream of 20 ms packets")

// EncodeOpus encodes one channel of 16-bit PCM at rate Hz into 20 ms Opus packets with
// opusenc (Debian/Ubuntu package opus-tools, libopus), once, before a run: loadgen stays a
// plain `go build` and the packets are what libopus makes, as a browser's encoder would.
// kbps is the target bitrate (VBR, as browsers send; 24 kb/s of 16 kHz speech is SILK
// wideband, with a few Hybrid packets at onsets). The stream starts with opusenc's
// pre-skip (6.5 ms), which delays the decoded audio by as much: latency figures on Opus
// include it, as they would from a real encoder.
func EncodeOpus(ctx context.Context, pcm []int16, rate, kbps int) ([][]byte, error) {
	bin, err := exec.LookPath("opusenc")
	if err != nil {
		return nil, fmt.Errorf("loadgen: opus needs opusenc (package opus-tools): %w", err)
	}
	dir, err := os.MkdirTemp("", "loadgen-opus")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "in.wav"), filepath.Join(dir, "out.opus")
	if err := os.WriteFile(in, WAV(pcm, rate), 0o600); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "--quiet", "--bitrate", strconv.Itoa(kbps), "--framesize", "20",
		"--speech", in, out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("loadgen: opusenc: %v: %s", err, bytes.TrimSpace(msg))
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	return ReadOggOpus(bytes.NewReader(b))
}

// ReadOggOpus returns the audio packets of a mono Ogg Opus stream (RFC 7845: the
// OpusHead and OpusTags packets are checked and dropped), each checked to be one 20 ms
// packet, the only kind loadgen paces.
func ReadOggOpus(r io.Reader) ([][]byte, error) {
	var pkts [][]byte
	var cur []byte
	var hdr [27]byte
	for page := 0; ; page++ {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) && page > 0 {
				break
			}
			return nil, fmt.Errorf("loadgen: ogg page %d: %v: %w", page, err, ErrOgg)
		}
		if string(hdr[:4]) != "OggS" || hdr[4] != 0 {
			return nil, fmt.Errorf("loadgen: ogg page %d: bad capture pattern: %w", page, ErrOgg)
		}
		lacing := make([]byte, hdr[26])
		if _, err := io.ReadFull(r, lacing); err != nil {
			return nil, fmt.Errorf("loadgen: ogg page %d: %v: %w", page, err, ErrOgg)
		}
		for _, n := range lacing {
			seg := make([]byte, n)
			if _, err := io.ReadFull(r, seg); err != nil {
				return nil, fmt.Errorf("loadgen: ogg page %d: %v: %w", page, err, ErrOgg)
			}
			cur = append(cur, seg...)
			if n < 255 { // a lacing value below 255 ends the packet
				pkts = append(pkts, cur)
				cur = nil
			}
		}
	}
	if len(pkts) < 2 || !bytes.HasPrefix(pkts[0], []byte("OpusHead")) || !bytes.HasPrefix(pkts[1], []byte("OpusTags")) {
		return nil, fmt.Errorf("loadgen: no OpusHead/OpusTags: %w", ErrOgg)
	}
	if len(pkts[0]) < 10 || pkts[0][9] != 1 {
		return nil, fmt.Errorf("loadgen: want a mono stream: %w", ErrOgg)
	}
	pkts = pkts[2:]
	for i, p := range pkts {
		if n, err := codec.OpusPacketSamples(p); err != nil || n != 960 {
			return nil, fmt.Errorf("loadgen: packet %d lasts %d samples at 48 kHz (%v): %w", i, n, err, ErrOgg)
		}
	}
	return pkts, nil
}

// WAV returns pcm as a mono 16-bit PCM WAV file.
func WAV(pcm []int16, rate int) []byte {
	var b bytes.Buffer
	n := uint32(2 * len(pcm))
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, 36+n)
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(rate), uint32(2 * rate), uint16(2), uint16(16)} {
		_ = binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	_ = binary.Write(&b, binary.LittleEndian, n)
	_ = binary.Write(&b, binary.LittleEndian, pcm)
	return b.Bytes()
}
