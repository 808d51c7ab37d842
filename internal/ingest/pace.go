package ingest

import (
	"context"
	"fmt"
	"time"
)

// Frame is 20 ms at 8 kHz, the frame every test and load peer plays.
const Frame = 160

// PlayFrames paces whole 20 ms frames of every channel against the wall clock, as a real
// peer sends them: send(f, i, frame) for each channel i of frame f, then onFrame(f, when)
// (optional), then a wait until the next frame is due. The load client and the ingest
// contract tests share it so both send the same way.
func PlayFrames(ctx context.Context, channels [][]int16, onFrame func(int, time.Time), send func(f, i int, frame []int16) error) error {
	if len(channels) == 0 {
		return nil
	}
	n := len(channels[0]) / Frame
	start := time.Now()
	for f := 0; f < n; f++ {
		for i, ch := range channels {
			if (f+1)*Frame > len(ch) {
				return fmt.Errorf("frame %d channel %d: channel shorter than the first", f, i)
			}
			if err := send(f, i, ch[f*Frame:(f+1)*Frame]); err != nil {
				return fmt.Errorf("frame %d channel %d: %w", f, i, err)
			}
		}
		if onFrame != nil {
			onFrame(f, time.Now())
		}
		if wait := time.Until(start.Add(time.Duration(f+1) * 20 * time.Millisecond)); wait > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
		}
	}
	return nil
}
