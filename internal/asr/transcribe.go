package asr

import "context"

// ChunkSamples is how much audio Transcribe writes at a time (100 ms), so cancellation is
// noticed between chunks.
const ChunkSamples = SampleRate / 10

// Transcribe decodes one whole utterance with rec. It stops between 100 ms chunks when
// ctx ends.
func Transcribe(ctx context.Context, rec Recognizer, lang string, pcm []int16) (Result, error) {
	s, err := rec.NewStream(ctx, lang)
	if err != nil {
		return Result{}, err
	}
	defer s.Close()
	for len(pcm) > 0 {
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		n := min(len(pcm), ChunkSamples)
		if err := s.Write(pcm[:n]); err != nil {
			return Result{}, err
		}
		pcm = pcm[n:]
	}
	return s.Final()
}
