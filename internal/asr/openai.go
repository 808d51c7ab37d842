package asr

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/undertone/undertone/internal/metrics"
)

// OpenAI is the registry name of the external-recogniser engine: it sends each utterance
// to a server that speaks the OpenAI-compatible POST /v1/audio/transcriptions API
// (faster-whisper servers such as speaches, whisper.cpp's server, vLLM, LocalAI, OpenAI).
const OpenAI = "openai"

// AnyLang is the Endpoints key of the endpoint that serves every language without one of
// its own.
const AnyLang = "*"

// ErrUnavailable is returned, at once, for an utterance whose recogniser is down or has
// asked us to wait (Retry-After): the utterance is dropped rather than queued behind a
// recogniser that is not answering.
var ErrUnavailable = errors.New("recogniser unavailable")

// ErrRecognizer wraps a request that failed after its retries (or at once when retrying
// could not help: a 4xx, a garbage answer).
var ErrRecognizer = errors.New("recogniser request failed")

// Endpoint is one external recogniser.
type Endpoint struct {
	// URL of the transcription endpoint. A full ".../audio/transcriptions" URL is used as
	// it is; a base URL gets "/v1/audio/transcriptions" appended ("/audio/transcriptions"
	// when it already ends in /v1).
	URL   string
	Model string // the model field, e.g. Systran/faster-whisper-large-v3 [whisper-1]
	Key   string // sent as "Authorization: Bearer KEY" when set
	// Prompt is the optional prompt field: words the recogniser should expect (product
	// names, the greeting), in the endpoint's language.
	Prompt string
}

// OpenAIConfig configures the "openai" engine. Zero values take the defaults in brackets.
type OpenAIConfig struct {
	// Endpoints by language ("nl", "en"; normalised with Lang) and AnyLang. Calls in a
	// language with no endpoint, and no AnyLang, get no transcript (transcript.status says
	// so).
	Endpoints map[string]Endpoint
	// Concurrency bounds the requests in flight from this node, over all endpoints; it is
	// also the Transcriber's worker count [8].
	Concurrency int
	// Queue is how many utterances may wait for a free request; when full the oldest is
	// dropped (counted) [2 × Concurrency: a transcript later than two answers is worth little to an agent].
	Queue int
	// Timeout bounds one request, upload to last byte of the answer [10s].
	Timeout time.Duration
	// Retries after the first try, only for failures a retry can fix: connection refused
	// or reset, timeouts, 408, 429, 5xx [2]. Waits Backoff, doubled per retry, with ±50 %
	// jitter, or the server's Retry-After when it gives one (at most MaxRetryAfter: a longer
	// one drops the utterance and pauses the endpoint for that long).
	Retries       int
	Backoff       time.Duration // [200ms]
	MaxRetryAfter time.Duration // [2s]
	// SlowAfter: a mean request time above it marks the endpoint slow [4s].
	SlowAfter time.Duration
	// DownAfter consecutive failed utterances mark the endpoint down; it is then probed
	// with one utterance after ProbeAfter, doubling up to 30 s, until one succeeds [3, 1s].
	DownAfter  int
	ProbeAfter time.Duration
	// MaxResponse bounds the bytes read of an answer; a longer one is a bad answer [1 MiB].
	MaxResponse int64
	// Client sends the requests [a client of its own, no overall timeout: Timeout is per
	// request].
	Client *http.Client
	// Now is the clock of the health tracker [time.Now].
	Now func() time.Time
}

func (c *OpenAIConfig) defaults() {
	if c.Concurrency <= 0 {
		c.Concurrency = 8
	}
	if c.Queue <= 0 {
		c.Queue = 2 * c.Concurrency
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Retries < 0 {
		c.Retries = 0
	} else if c.Retries == 0 {
		c.Retries = 2
	}
	if c.Backoff <= 0 {
		c.Backoff = 200 * time.Millisecond
	}
	if c.MaxRetryAfter <= 0 {
		c.MaxRetryAfter = 2 * time.Second
	}
	if c.SlowAfter <= 0 {
		c.SlowAfter = 4 * time.Second
	}
	if c.DownAfter <= 0 {
		c.DownAfter = 3
	}
	if c.ProbeAfter <= 0 {
		c.ProbeAfter = time.Second
	}
	if c.MaxResponse <= 0 {
		c.MaxResponse = 1 << 20
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// NoRetries is the OpenAIConfig.Retries value that turns retrying off (0 means the default).
const NoRetries = -1

func init() { Register(OpenAI, openOpenAI) }

// openAI is the engine. Streams buffer the utterance as a WAV file; Final sends it.
type openAI struct {
	cfg    OpenAIConfig
	log    *slog.Logger
	m      *metrics.ASR
	eps    map[string]*endpoint
	sem    chan struct{}
	client *http.Client
	own    *http.Transport // closed with the engine when the client is ours
	bufs   sync.Pool       // *[]byte WAV buffers
	closed atomic.Bool
}

type endpoint struct {
	Endpoint
	label     string // metrics label: the language key, "default" for AnyLang
	health    *tracker
	plainJSON atomic.Bool // the server refused verbose_json: ask for json
	lastState atomic.Value
}

var (
	_ Recognizer     = (*openAI)(nil)
	_ HealthReporter = (*openAI)(nil)
	_ PoolSizer      = (*openAI)(nil)
)

func openOpenAI(cfg Config) (Recognizer, error) {
	oc := cfg.OpenAI
	oc.defaults()
	if len(oc.Endpoints) == 0 {
		return nil, fmt.Errorf("asr: %s: no endpoint configured (asr_openai.url or asr_openai.languages): %w", OpenAI, ErrModel)
	}
	e := &openAI{cfg: oc, log: cfg.Log, m: cfg.Metrics, eps: map[string]*endpoint{},
		sem: make(chan struct{}, oc.Concurrency), client: oc.Client}
	if e.m == nil {
		e.m = metrics.NewASR()
	}
	if e.client == nil {
		e.own = http.DefaultTransport.(*http.Transport).Clone()
		e.own.MaxIdleConnsPerHost = oc.Concurrency
		e.client = &http.Client{Transport: e.own}
	}
	hp := healthParams{slowAfter: oc.SlowAfter, downAfter: oc.DownAfter, probeFirst: oc.ProbeAfter, probeMax: 30 * time.Second}
	for key, ep := range oc.Endpoints {
		label := Lang(key)
		if key == AnyLang {
			label = AnyLang
		}
		u, err := endpointURL(ep.URL)
		if err != nil {
			return nil, fmt.Errorf("asr: %s: endpoint %q: %v: %w", OpenAI, key, err, ErrModel)
		}
		ep.URL = u
		if ep.Model == "" {
			ep.Model = "whisper-1"
		}
		d := &endpoint{Endpoint: ep, label: label, health: newTracker(hp)}
		if label == AnyLang {
			d.label = "default"
		}
		d.lastState.Store(HealthOK)
		e.eps[label] = d
		e.m.EndpointState.WithLabelValues(d.label).Set(0)
		e.log.Info("external recogniser endpoint", "lang", key, "url", redactURL(u), "model", ep.Model, "key", ep.Key != "")
	}
	e.bufs.New = func() any { b := make([]byte, 0, wavHeader+2*SampleRate*16); return &b }
	return e, nil
}

// endpointURL resolves a configured URL to the transcription endpoint.
func endpointURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("url %q: want http(s)://host[:port][/path]", raw)
	}
	p := strings.TrimRight(u.Path, "/")
	switch {
	case strings.HasSuffix(p, "/audio/transcriptions"):
	case strings.HasSuffix(p, "/v1"):
		p += "/audio/transcriptions"
	default:
		p += "/v1/audio/transcriptions"
	}
	u.Path = p
	return u.String(), nil
}

// redactURL drops credentials and the query from a URL for logs.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "?"
	}
	u.User, u.RawQuery = nil, ""
	return u.String()
}

func (e *openAI) Name() string { return OpenAI }

func (e *openAI) endpoint(lang string) *endpoint {
	if ep := e.eps[Lang(lang)]; ep != nil {
		return ep
	}
	return e.eps[AnyLang]
}

func (e *openAI) Supports(lang string) bool { return e.endpoint(lang) != nil }

// Pool implements PoolSizer: one Transcriber worker per request in flight.
func (e *openAI) Pool() (workers, queue int) { return e.cfg.Concurrency, e.cfg.Queue }

// Health implements HealthReporter.
func (e *openAI) Health(lang string) Health {
	ep := e.endpoint(lang)
	if ep == nil {
		return Health{State: HealthOK}
	}
	return ep.health.health()
}

// Close releases idle connections. Streams still open fail.
func (e *openAI) Close() error {
	e.closed.Store(true)
	if e.own != nil {
		e.own.CloseIdleConnections()
	}
	return nil
}

// NewStream refuses at once when the language's recogniser is down or paused, so a dead
// recogniser costs a queued utterance nothing but a counter.
func (e *openAI) NewStream(ctx context.Context, lang string) (Stream, error) {
	if e.closed.Load() {
		return nil, fmt.Errorf("asr: %s: %w", OpenAI, ErrClosed)
	}
	ep := e.endpoint(lang)
	if ep == nil {
		return nil, fmt.Errorf("asr: %s: no endpoint for %q: %w", OpenAI, lang, ErrLanguage)
	}
	ok, probe := ep.health.admit(e.cfg.Now())
	if !ok {
		h := ep.health.health()
		return nil, fmt.Errorf("asr: %s %s: %s (%s): %w", OpenAI, ep.label, h.State, h.Detail, ErrUnavailable)
	}
	b := e.bufs.Get().(*[]byte)
	*b = append((*b)[:0], zeroHeader[:]...)
	return &openAIStream{e: e, ep: ep, ctx: ctx, lang: Lang(lang), buf: b, probe: probe}, nil
}

type openAIStream struct {
	e     *openAI
	ep    *endpoint
	ctx   context.Context
	lang  string
	buf   *[]byte // WAV header placeholder, then 16-bit little-endian samples
	probe bool
	done  bool
}

func (s *openAIStream) Write(pcm []int16) error {
	if s.done {
		return fmt.Errorf("asr: %s: write after final: %w", OpenAI, ErrClosed)
	}
	b := *s.buf
	for _, v := range pcm {
		b = binary.LittleEndian.AppendUint16(b, uint16(v))
	}
	*s.buf = b
	return nil
}

func (s *openAIStream) Close() error {
	if !s.done {
		s.done = true
		s.ep.health.abandon(s.probe)
		s.e.bufs.Put(s.buf)
		s.buf = nil
	}
	return nil
}

// Final sends the utterance, retrying what a retry can fix, and records the outcome in
// the endpoint's health.
func (s *openAIStream) Final() (Result, error) {
	if s.done {
		return Result{}, fmt.Errorf("asr: %s: final twice: %w", OpenAI, ErrClosed)
	}
	e, ep := s.e, s.ep
	wav := *s.buf
	putWAVHeader(wav[:wavHeader], len(wav)-wavHeader)
	audio := time.Duration(len(wav)-wavHeader) / 2 * time.Second / SampleRate
	res, err := e.send(s.ctx, ep, s.lang, wav, audio, s.probe)
	s.probe = false // reported by send
	s.Close()
	return res, err
}

func (e *openAI) send(ctx context.Context, ep *endpoint, lang string, wav []byte, audio time.Duration, probe bool) (Result, error) {
	var last *requestError
	for attempt := 0; ; attempt++ {
		select {
		case e.sem <- struct{}{}:
		case <-ctx.Done():
			ep.health.abandon(probe)
			return Result{}, ctx.Err()
		}
		t0 := time.Now()
		res, rerr := e.post(ctx, ep, lang, wav, audio)
		took := time.Since(t0)
		<-e.sem
		if rerr == nil {
			e.m.Requests.WithLabelValues(ep.label, "ok").Inc()
			e.m.RequestSeconds.WithLabelValues(ep.label).Observe(took.Seconds())
			ep.health.success(took, probe)
			e.noteHealth(ep)
			return res, nil
		}
		if ctx.Err() != nil {
			ep.health.abandon(probe)
			return Result{}, ctx.Err()
		}
		e.m.Requests.WithLabelValues(ep.label, rerr.outcome).Inc()
		if rerr.outcome != "connect" {
			e.m.RequestSeconds.WithLabelValues(ep.label).Observe(took.Seconds())
		}
		last = rerr
		wait := e.cfg.Backoff << attempt
		wait = wait/2 + rand.N(wait) // ±50 % jitter
		if rerr.after > 0 {
			wait = rerr.after
			if wait > e.cfg.MaxRetryAfter {
				ep.health.pause(e.cfg.Now(), min(wait, 5*time.Minute))
				break
			}
		}
		if !rerr.retry || attempt >= e.cfg.Retries {
			break
		}
		e.m.Retries.WithLabelValues(ep.label).Inc()
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			ep.health.abandon(probe)
			return Result{}, ctx.Err()
		}
	}
	ep.health.failure(e.cfg.Now(), last.Error(), probe)
	e.noteHealth(ep)
	return Result{}, fmt.Errorf("asr: %s %s: %w: %w", OpenAI, ep.label, ErrRecognizer, last)
}

// noteHealth logs and exports a change of an endpoint's state, once per change.
func (e *openAI) noteHealth(ep *endpoint) {
	h := ep.health.health()
	if prev := ep.lastState.Swap(h.State); prev == h.State {
		return
	}
	e.m.EndpointState.WithLabelValues(ep.label).Set(float64(slices.Index([]string{HealthOK, HealthSlow, HealthDown}, h.State)))
	switch h.State {
	case HealthDown:
		e.log.Warn("external recogniser down: utterances are dropped until it answers again", "endpoint", ep.label,
			"url", redactURL(ep.URL), "last_error", h.Detail)
	case HealthSlow:
		e.log.Warn("external recogniser slow", "endpoint", ep.label, "url", redactURL(ep.URL), "detail", h.Detail)
	default:
		e.log.Info("external recogniser answering again", "endpoint", ep.label, "url", redactURL(ep.URL))
	}
}

var zeroHeader [wavHeader]byte // placeholder until Final knows the length

// PoolSizer is implemented by engines that say how large the Transcriber feeding them
// should be: New uses it for Params.Workers and Params.Queue left zero.
type PoolSizer interface {
	Pool() (workers, queue int)
}
