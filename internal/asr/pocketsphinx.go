//go:build pocketsphinx && cgo

package asr

/*
#cgo pkg-config: pocketsphinx sphinxbase
#include <stdlib.h>
#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <sphinxbase/logmath.h>

static cmd_ln_t *ut_parse(int argc, char **argv) {
	return cmd_ln_parse_r(NULL, ps_args(), argc, argv, TRUE);
}
static void ut_quiet(void) { err_set_logfp(NULL); }
*/
import "C"

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// PocketSphinxBuiltIn reports whether this binary was built with the pocketsphinx engine.
const PocketSphinxBuiltIn = true

func init() { Register(PocketSphinx, openPocketSphinx) }

var quietOnce sync.Once

// pocketSphinx keeps up to Decoders loaded decoders (ps_decoder_t is not safe for
// concurrent use; each stream borrows one).
type pocketSphinx struct {
	cfg    *C.cmd_ln_t
	frameS float64 // seconds per feature frame
	tokens chan struct{}

	mu     sync.Mutex
	idle   []*C.ps_decoder_t
	all    []*C.ps_decoder_t
	closed bool
}

var _ Recognizer = (*pocketSphinx)(nil)

func openPocketSphinx(cfg Config) (Recognizer, error) {
	args, err := pocketSphinxArgs(cfg)
	if err != nil {
		return nil, err
	}
	quietOnce.Do(func() { C.ut_quiet() })
	frate := 100.0
	cargs := make([]*C.char, len(args))
	for i, a := range args {
		cargs[i] = C.CString(a)
		if i > 0 && args[i-1] == "-frate" {
			if f, err := strconv.ParseFloat(a, 64); err == nil && f > 0 {
				frate = f
			}
		}
	}
	defer func() {
		for _, p := range cargs {
			C.free(unsafe.Pointer(p))
		}
	}()
	cc := C.ut_parse(C.int(len(cargs)), (**C.char)(unsafe.Pointer(&cargs[0])))
	if cc == nil {
		return nil, fmt.Errorf("asr: %s: bad arguments %q: %w", PocketSphinx, args, ErrModel)
	}
	e := &pocketSphinx{cfg: cc, frameS: 1 / frate, tokens: make(chan struct{}, cfg.Decoders)}
	// Load one decoder now so a broken model fails at startup, not on the first call.
	d := C.ps_init(cc)
	if d == nil {
		C.cmd_ln_free_r(cc)
		return nil, fmt.Errorf("asr: %s: decoder init with %q: %w", PocketSphinx, args, ErrModel)
	}
	e.idle, e.all = append(e.idle, d), append(e.all, d)
	cfg.Log.Info("asr engine ready", "engine", PocketSphinx, "args", args, "decoders", cfg.Decoders)
	return e, nil
}

func (e *pocketSphinx) Name() string { return PocketSphinx }

// Supports reports English only: the Debian model is US English.
func (e *pocketSphinx) Supports(lang string) bool { return lang == "en" }

func (e *pocketSphinx) NewStream(ctx context.Context, lang string) (Stream, error) {
	if !e.Supports(lang) {
		return nil, fmt.Errorf("asr: %s: %q: %w", PocketSphinx, lang, ErrLanguage)
	}
	select {
	case e.tokens <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("asr: %s: waiting for a decoder: %w", PocketSphinx, ctx.Err())
	}
	d, err := e.take()
	if err != nil {
		<-e.tokens
		return nil, err
	}
	if C.ps_start_utt(d) < 0 {
		e.give(d)
		return nil, fmt.Errorf("asr: %s: start utterance: %w", PocketSphinx, ErrModel)
	}
	return &psStream{e: e, d: d}, nil
}

func (e *pocketSphinx) take() (*C.ps_decoder_t, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, fmt.Errorf("asr: %s: %w", PocketSphinx, ErrClosed)
	}
	if n := len(e.idle); n > 0 {
		d := e.idle[n-1]
		e.idle = e.idle[:n-1]
		return d, nil
	}
	d := C.ps_init(e.cfg)
	if d == nil {
		return nil, fmt.Errorf("asr: %s: decoder init: %w", PocketSphinx, ErrModel)
	}
	e.all = append(e.all, d)
	return d, nil
}

func (e *pocketSphinx) give(d *C.ps_decoder_t) {
	e.mu.Lock()
	e.idle = append(e.idle, d)
	e.mu.Unlock()
	<-e.tokens
}

// Close frees the decoders. Streams still open keep theirs until they finish; Close must
// be called after them (the Transcriber's Close waits for its workers first).
func (e *pocketSphinx) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	for _, d := range e.all {
		C.ps_free(d)
	}
	e.all, e.idle = nil, nil
	C.cmd_ln_free_r(e.cfg)
	return nil
}

type psStream struct {
	e *pocketSphinx
	d *C.ps_decoder_t
	n int // samples written
}

func (s *psStream) Write(pcm []int16) error {
	if s.d == nil {
		return fmt.Errorf("asr: %s: write: %w", PocketSphinx, ErrClosed)
	}
	if len(pcm) == 0 {
		return nil
	}
	if C.ps_process_raw(s.d, (*C.int16)(unsafe.Pointer(&pcm[0])), C.size_t(len(pcm)), 0, 0) < 0 {
		return fmt.Errorf("asr: %s: process %d samples: %w", PocketSphinx, len(pcm), ErrModel)
	}
	s.n += len(pcm)
	return nil
}

func (s *psStream) Final() (Result, error) {
	if s.d == nil {
		return Result{}, fmt.Errorf("asr: %s: final: %w", PocketSphinx, ErrClosed)
	}
	defer s.release()
	if C.ps_end_utt(s.d) < 0 {
		return Result{}, fmt.Errorf("asr: %s: end utterance: %w", PocketSphinx, ErrModel)
	}
	var score C.int32
	hyp := C.ps_get_hyp(s.d, &score)
	if hyp == nil {
		return Result{Confidence: 0}, nil
	}
	lm := C.ps_get_logmath(s.d)
	res := Result{Text: C.GoString(hyp), Confidence: clamp01(float64(C.logmath_exp(lm, C.ps_get_prob(s.d))))}
	for seg := C.ps_seg_iter(s.d); seg != nil; seg = C.ps_seg_next(seg) {
		w := C.GoString(C.ps_seg_word(seg))
		if w == "" || w[0] == '<' || w[0] == '[' || w == "<sil>" {
			continue // <s>, </s>, <sil>, [NOISE], fillers
		}
		if i := strings.IndexByte(w, '('); i > 0 {
			w = w[:i] // alternate pronunciation "read(2)"
		}
		var sf, ef C.int
		C.ps_seg_frames(seg, &sf, &ef)
		var ascr, lscr, lback C.int32
		p := C.ps_seg_prob(seg, &ascr, &lscr, &lback)
		res.Words = append(res.Words, Word{Word: w,
			Start:      time.Duration(float64(sf) * s.e.frameS * float64(time.Second)),
			End:        time.Duration(float64(ef+1) * s.e.frameS * float64(time.Second)),
			Confidence: clamp01(float64(C.logmath_exp(lm, p)))})
	}
	return res, nil
}

func (s *psStream) Close() error {
	if s.d != nil {
		C.ps_end_utt(s.d)
		s.release()
	}
	return nil
}

func (s *psStream) release() {
	d := s.d
	s.d = nil
	s.e.give(d)
}

func clamp01(x float64) float64 {
	if x < 0 || x != x {
		return 0
	}
	if x > 1 {
		return 1
	}
	return x
}
