package asr

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/undertone/undertone/internal/event"
)

// fakeRecognizer is a test double: it "recognises" an utterance as its length in samples,
// optionally waiting on gate before each stream starts (to hold workers busy).
type fakeRecognizer struct {
	gate    chan struct{} // nil: never wait
	delay   time.Duration // simulated decode time per stream
	mu      sync.Mutex
	streams int
	active  int
	peak    int
}

func (f *fakeRecognizer) Name() string              { return "fake" }
func (f *fakeRecognizer) Supports(lang string) bool { return lang == "en" }
func (f *fakeRecognizer) Close() error              { return nil }

func (f *fakeRecognizer) NewStream(ctx context.Context, lang string) (Stream, error) {
	if !f.Supports(lang) {
		return nil, ErrLanguage
	}
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f.mu.Lock()
	f.streams++
	f.active++
	f.peak = max(f.peak, f.active)
	f.mu.Unlock()
	return &fakeStream{f: f, ctx: ctx}, nil
}

type fakeStream struct {
	f    *fakeRecognizer
	ctx  context.Context
	n    int
	done bool
}

func (s *fakeStream) Write(pcm []int16) error { s.n += len(pcm); return nil }

func (s *fakeStream) Final() (Result, error) {
	defer s.Close()
	if s.f.delay > 0 {
		select {
		case <-time.After(s.f.delay):
		case <-s.ctx.Done():
			return Result{}, s.ctx.Err()
		}
	}
	return Result{Text: fmt.Sprintf("samples %d", s.n), Confidence: 0.5,
		Words: []Word{{Word: "samples", Start: 0, End: time.Duration(s.n) * time.Second / SampleRate, Confidence: 0.5}}}, nil
}

func (s *fakeStream) Close() error {
	if !s.done {
		s.done = true
		s.f.mu.Lock()
		s.f.active--
		s.f.mu.Unlock()
	}
	return nil
}

// recEmitter records events; safe from any goroutine like call.Call.Emit.
type recEmitter struct {
	mu  sync.Mutex
	evs []recEvent
}

type recEvent struct {
	typ   string
	party event.Party
	t     time.Duration
	data  event.TranscriptData
}

func (r *recEmitter) Emit(p event.Party, t time.Duration, data event.Payload) {
	typ := data.EventType()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, recEvent{typ: typ, party: p, t: t, data: (*data.(*event.TranscriptData))})
}

func (r *recEmitter) events() []recEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recEvent(nil), r.evs...)
}
