package loadgen

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/undertone/undertone/internal/codec"
)

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
	return codec.ReadOggOpus(bytes.NewReader(b))
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
