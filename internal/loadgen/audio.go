package loadgen

import (
	"context"
	"fmt"
	"strings"

	"github.com/undertone/undertone/internal/whipclient"
)

// AudioParams say what a load run plays: ToneBursts seconds of synthetic bursts, or a
// Seconds-long Dialogue of Clips clips from SpeechDir, or the WAV file; as Codec "pcmu"
// or "opus" (OpusKbps, default 24).
type AudioParams struct {
	ToneBursts float64
	SpeechDir  string
	Seconds    float64
	Clips      int
	WAV        string
	Codec      string
	OpusKbps   int
}

// PrepareAudio returns the channels at whipclient.Rate (what PCMU sends; the onset
// probes use them for either codec) and, for opus, each channel's packets encoded once
// from the 16 kHz audio (EncodeOpus): Params.Channels and Params.Opus of a run.
func PrepareAudio(ctx context.Context, ap AudioParams) ([][]int16, [][][]byte, error) {
	const wide = 16000
	opus := strings.EqualFold(ap.Codec, "opus")
	if !opus && !strings.EqualFold(ap.Codec, "pcmu") {
		return nil, nil, fmt.Errorf("loadgen: codec %q: want pcmu or opus", ap.Codec)
	}
	var ch16 [][]int16
	var err error
	switch {
	case ap.ToneBursts > 0 && !opus:
		return ToneBursts(ap.ToneBursts, 2), nil, nil // made at 8 kHz: sent as made
	case ap.ToneBursts > 0:
		ch16, err = Resample(ToneBursts(ap.ToneBursts, 2), whipclient.Rate, wide)
	case ap.SpeechDir != "":
		var clips [][]int16
		if clips, err = LoadClips(ap.SpeechDir, ap.Clips, wide); err == nil {
			ch16 = Dialogue(clips, wide, ap.Seconds)
		}
	case ap.WAV != "":
		ch16, err = whipclient.LoadWAVAt(ap.WAV, wide)
	default:
		return nil, nil, fmt.Errorf("loadgen: a WAV file, a speech folder or tone bursts are required")
	}
	if err != nil {
		return nil, nil, err
	}
	ch8, err := Resample(ch16, wide, whipclient.Rate)
	if err != nil || !opus {
		return ch8, nil, err
	}
	kbps := ap.OpusKbps
	if kbps <= 0 {
		kbps = 24
	}
	pk := make([][][]byte, len(ch16))
	for i, ch := range ch16 {
		if pk[i], err = EncodeOpus(ctx, ch, wide, kbps); err != nil {
			return nil, nil, err
		}
	}
	return ch8, pk, nil
}
