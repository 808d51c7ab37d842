package asr

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/undertone/undertone/internal/asr/asrtest"
	"github.com/undertone/undertone/internal/metrics"
)

// openTest opens the engine against url for every language, with fast retries.
func openTest(t testing.TB, url string, mut ...func(*OpenAIConfig)) (*openAI, *metrics.ASR) {
	t.Helper()
	oc := OpenAIConfig{Endpoints: map[string]Endpoint{AnyLang: {URL: url, Model: "test-model", Key: "k-123"}},
		Backoff: 5 * time.Millisecond, Timeout: 2 * time.Second}
	for _, f := range mut {
		f(&oc)
	}
	m := metrics.NewASR()
	rec, err := Open(OpenAI, Config{OpenAI: oc, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rec.Close() })
	return rec.(*openAI), m
}

func tone(seconds float64) []int16 {
	pcm := make([]int16, int(seconds*SampleRate))
	for i := range pcm {
		pcm[i] = int16(8000 * math.Sin(2*math.Pi*200*float64(i)/SampleRate))
	}
	return pcm
}

// The engine against every kind of server: what it sends, what it makes of each answer,
// what it retries and how often.
func TestOpenAIContract(t *testing.T) {
	pcm := tone(1)
	text := "samples 16000 lang nl"
	huge := func(w http.ResponseWriter, _ *http.Request, _ asrtest.Request, _ int) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"text":"`)
		chunk := strings.Repeat("a", 64<<10)
		for range 160 { // 10 MiB, more than MaxResponse by far
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
		_, _ = io.WriteString(w, `"}`)
	}
	cases := []struct {
		name     string
		behave   asrtest.Behaviour
		mut      func(*OpenAIConfig)
		text     string
		conf     float64 // -2: do not check
		words    int
		err      error  // errors.Is target; nil: success
		errHas   string // in the error text
		requests int
		outcome  string // a request outcome counted at least once
	}{
		{name: "faster-whisper verbose_json", behave: asrtest.AnswerVerbose, text: text, conf: 0.9, words: 4, requests: 1, outcome: "ok"},
		{name: "OpenAI verbose_json", behave: asrtest.AnswerOpenAIStyle, text: text, conf: math.Exp(-0.5), words: 1, requests: 1, outcome: "ok"},
		{name: "text only", behave: asrtest.AnswerTextOnly, text: text, conf: -1, requests: 1, outcome: "ok"},
		{name: "refuses verbose_json", behave: func(w http.ResponseWriter, r *http.Request, req asrtest.Request, n int) {
			if req.Format == "verbose_json" {
				asrtest.Fail(400, `{"detail":"response_format verbose_json not supported"}`)(w, r, req, n)
				return
			}
			asrtest.AnswerTextOnly(w, r, req, n)
		}, text: text, conf: -1, requests: 2, outcome: "http_4xx"},
		{name: "vLLM verbose_json (placeholders, duration as a string)", behave: asrtest.Fail(200,
			`{"duration":"1.0","language":"nl","text":" samples 16000 lang nl","segments":[{"id":0,"avg_logprob":-1.0,`+
				`"compression_ratio":-1.0,"end":1.0,"no_speech_prob":-1.0,"seek":0,"start":0.0,"temperature":0.0,"text":" samples 16000 lang nl","tokens":[1,2]}]}`,
			"Content-Type", "application/json"),
			text: text, conf: -1, requests: 1, outcome: "ok"},
		{name: "numbers as strings", behave: asrtest.Fail(200,
			`{"text":"x","words":[{"word":" ja","start":"0.1","end":"0.4","probability":"0.8"}]}`),
			text: "x", conf: 0.8, words: 1, requests: 1, outcome: "ok"},
		{name: "verbose_json refused with a 500 (a proxy)", behave: func(w http.ResponseWriter, r *http.Request, req asrtest.Request, n int) {
			if req.Format == "verbose_json" {
				asrtest.Fail(500, `{"error":{"message":"Currently only support response_format text or json"}}`)(w, r, req, n)
				return
			}
			asrtest.AnswerTextOnly(w, r, req, n)
		}, text: text, conf: -1, requests: 2, outcome: "http_5xx"},
		{name: "500 twice then ok", behave: asrtest.FailFirst(2, asrtest.Fail(500, "<html><body>Internal Server Error</body></html>")),
			text: text, conf: 0.9, words: 4, requests: 3, outcome: "http_5xx"},
		{name: "503 always", behave: asrtest.Fail(503, `{"error":{"message":"model loading"}}`), err: ErrRecognizer,
			errHas: "model loading", requests: 3, outcome: "http_5xx"},
		{name: "429 Retry-After 1s then ok", behave: asrtest.FailFirst(1, asrtest.Fail(429, `{"error":"busy"}`, "Retry-After", "1")),
			text: text, conf: 0.9, words: 4, requests: 2, outcome: "http_429"},
		{name: "429 Retry-After 120s", behave: asrtest.Fail(429, `{"error":"busy"}`, "Retry-After", "120"), err: ErrRecognizer,
			errHas: "HTTP 429", requests: 1, outcome: "http_429"},
		{name: "401 is not retried", behave: asrtest.Fail(401, `{"error":{"message":"invalid api key"}}`), err: ErrRecognizer,
			errHas: "key_env", requests: 1, outcome: "http_4xx"},
		{name: "invalid JSON", behave: asrtest.Fail(200, `{"text": "unterminated`), err: ErrRecognizer, errHas: "not a transcription",
			requests: 1, outcome: "bad_response"},
		{name: "HTML page with 200", behave: asrtest.Fail(200, "<!doctype html><title>Login</title>", "Content-Type", "text/html"),
			err: ErrRecognizer, errHas: "text/html", requests: 1, outcome: "bad_response"},
		{name: "JSON of another shape", behave: asrtest.Fail(200, `{"result":"ok"}`), err: ErrRecognizer, errHas: "not a transcription",
			requests: 1, outcome: "bad_response"},
		{name: "huge answer", behave: huge, mut: func(c *OpenAIConfig) { c.MaxResponse = 64 << 10 }, err: ErrRecognizer,
			errHas: "longer than 65536 bytes", requests: 1, outcome: "bad_response"},
		{name: "slower than the timeout", behave: asrtest.Slowly(5*time.Second, asrtest.AnswerVerbose),
			mut: func(c *OpenAIConfig) { c.Timeout, c.Retries = 150*time.Millisecond, 1 }, err: ErrRecognizer,
			errHas: "no answer within 150ms", requests: 2, outcome: "timeout"},
		{name: "non-speech segment (whisper's own thresholds)", behave: asrtest.Fail(200,
			`{"text":" Thank you.","segments":[{"start":0,"end":1,"text":" Thank you.","avg_logprob":-1.4,"no_speech_prob":0.93}]}`),
			text: "", conf: -1, requests: 1, outcome: "ok"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := asrtest.NewFakeWhisper(c.behave)
			srv.KeepPCM = true
			defer srv.Close()
			rec, m := openTest(t, srv.URL+"/v1", func(oc *OpenAIConfig) {
				oc.Endpoints = map[string]Endpoint{"nl": {URL: srv.URL + "/v1", Model: "test-model", Key: "k-123", Prompt: "Goedemiddag"}}
				if c.mut != nil {
					c.mut(oc)
				}
			})
			start := time.Now()
			res, err := Transcribe(context.Background(), rec, "nl-NL", pcm)
			took := time.Since(start)
			switch {
			case c.err == nil && err != nil:
				t.Fatalf("err %v", err)
			case c.err != nil && (!errors.Is(err, c.err) || !strings.Contains(err.Error(), c.errHas)):
				t.Fatalf("err %v, want %v containing %q", err, c.err, c.errHas)
			}
			if c.err == nil {
				if res.Text != c.text || len(res.Words) != c.words || math.Abs(res.Confidence-c.conf) > 1e-4 {
					t.Errorf("result %+v, want text %q, %d words, confidence %.3f", res, c.text, c.words, c.conf)
				}
				for _, w := range res.Words {
					if w.Start < 0 || w.End < w.Start || w.End > time.Second || math.Abs(w.Confidence-c.conf) > 1e-4 {
						t.Errorf("word %+v: times outside the utterance or confidence not %.3f", w, c.conf)
					}
				}
			}
			reqs := srv.Requests()
			if len(reqs) != c.requests {
				t.Errorf("%d requests, want %d", len(reqs), c.requests)
			}
			for _, r := range reqs {
				if r.Model != "test-model" || r.Language != "nl" || r.Auth != "Bearer k-123" || r.Prompt != "Goedemiddag" ||
					r.Samples != len(pcm) || r.PCM[100] != pcm[100] {
					t.Errorf("request %+v (%d samples)", r, len(r.PCM))
				}
				if r.Format == "verbose_json" && !slices.Equal(r.Granularities, []string{"segment", "word"}) {
					t.Errorf("verbose_json without word and segment timestamps: %v", r.Granularities)
				}
			}
			if got := metricValue(m.Requests.WithLabelValues("nl", c.outcome)); got < 1 {
				t.Errorf("requests{outcome=%s} = %v", c.outcome, got)
			}
			t.Logf("%s: %d requests in %s; %v", c.name, len(reqs), took.Round(time.Millisecond), err)
		})
	}
}

// A server that refused verbose_json is asked for json from then on, without a second
// refusal per utterance.
func TestOpenAIRemembersPlainJSON(t *testing.T) {
	srv := asrtest.NewFakeWhisper(func(w http.ResponseWriter, r *http.Request, req asrtest.Request, n int) {
		if req.Format == "verbose_json" {
			asrtest.Fail(422, `{"detail":[{"msg":"unsupported"}]}`)(w, r, req, n)
			return
		}
		asrtest.AnswerTextOnly(w, r, req, n)
	})
	defer srv.Close()
	rec, _ := openTest(t, srv.URL)
	for range 3 {
		if _, err := Transcribe(context.Background(), rec, "en", tone(0.5)); err != nil {
			t.Fatal(err)
		}
	}
	var formats []string
	for _, r := range srv.Requests() {
		formats = append(formats, r.Format)
	}
	if !slices.Equal(formats, []string{"verbose_json", "json", "json", "json"}) {
		t.Errorf("formats asked: %v", formats)
	}
}

// A dead recogniser (connection refused) fails fast, goes down after DownAfter failed
// utterances, refuses further ones at once without a request, is probed after the probe
// wait and comes back when it answers.
func TestOpenAIDownProbeRecover(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	srv := asrtest.NewFakeWhisper(asrtest.Fail(503, "down for maintenance"))
	defer srv.Close()
	rec, m := openTest(t, srv.URL, func(c *OpenAIConfig) {
		c.DownAfter, c.ProbeAfter, c.Retries, c.Now = 2, 10*time.Second, NoRetries, clk.now
	})
	pcm := tone(0.3)
	for i := range 2 {
		if _, err := Transcribe(context.Background(), rec, "en", pcm); !errors.Is(err, ErrRecognizer) {
			t.Fatalf("utterance %d: %v", i, err)
		}
	}
	if h := rec.Health("en"); h.State != HealthDown || !strings.Contains(h.Detail, "503") {
		t.Fatalf("after 2 failures: %+v, want down naming the 503", h)
	}
	if _, err := Transcribe(context.Background(), rec, "en", pcm); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("while down: %v, want ErrUnavailable", err)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d requests, want 2: a down recogniser gets none until the probe", n)
	}
	clk.add(10 * time.Second)
	srv.SetBehaviour(asrtest.AnswerVerbose)
	// One probe at a time: a second stream while the probe is open is refused.
	s1, err := rec.NewStream(context.Background(), "en")
	if err != nil {
		t.Fatalf("probe refused: %v", err)
	}
	if _, err := rec.NewStream(context.Background(), "en"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("second stream during the probe: %v", err)
	}
	_ = s1.Write(pcm)
	if res, err := s1.Final(); err != nil || res.Text == "" {
		t.Fatalf("probe: %+v %v", res, err)
	}
	if h := rec.Health("en"); h.State != HealthOK {
		t.Errorf("after a good probe: %+v", h)
	}
	if v := metricValue(m.EndpointState.WithLabelValues("default")); v != 0 {
		t.Errorf("endpoint_state %v after recovery", v)
	}
	// A failed probe doubles the wait.
	srv.SetBehaviour(asrtest.Fail(500, "again"))
	for range 2 {
		_, _ = Transcribe(context.Background(), rec, "en", pcm)
	}
	clk.add(10 * time.Second) // first wait: probe, which fails
	if _, err := Transcribe(context.Background(), rec, "en", pcm); !errors.Is(err, ErrRecognizer) {
		t.Fatalf("probe: %v", err)
	}
	clk.add(10 * time.Second) // not yet: the wait is now 20 s
	if _, err := Transcribe(context.Background(), rec, "en", pcm); !errors.Is(err, ErrUnavailable) {
		t.Errorf("10 s after a failed probe: %v, want still refused", err)
	}
	clk.add(10 * time.Second)
	if _, err := rec.NewStream(context.Background(), "en"); err != nil {
		t.Errorf("20 s after a failed probe: %v, want a probe", err)
	}
}

// Connection refused: no server at all.
func TestOpenAIConnectionRefused(t *testing.T) {
	srv := asrtest.NewFakeWhisper(nil)
	url := srv.URL
	srv.Close()
	rec, m := openTest(t, url, func(c *OpenAIConfig) { c.Retries = 1 })
	_, err := Transcribe(context.Background(), rec, "en", tone(0.3))
	if !errors.Is(err, ErrRecognizer) || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("err %v", err)
	}
	if got := metricValue(m.Requests.WithLabelValues("default", "connect")); got != 2 {
		t.Errorf("connect failures %v, want 2 (one retry)", got)
	}
}

// A slow recogniser is reported slow, and ok again when it speeds up.
func TestOpenAISlow(t *testing.T) {
	srv := asrtest.NewFakeWhisper(asrtest.Slowly(120*time.Millisecond, asrtest.AnswerVerbose))
	defer srv.Close()
	rec, _ := openTest(t, srv.URL, func(c *OpenAIConfig) { c.SlowAfter = 80 * time.Millisecond })
	for range 2 {
		if _, err := Transcribe(context.Background(), rec, "en", tone(0.2)); err != nil {
			t.Fatal(err)
		}
	}
	if h := rec.Health("en"); h.State != HealthSlow {
		t.Fatalf("%+v, want slow", h)
	}
	srv.SetBehaviour(asrtest.AnswerVerbose)
	for range 10 {
		_, _ = Transcribe(context.Background(), rec, "en", tone(0.2))
	}
	if h := rec.Health("en"); h.State != HealthOK {
		t.Errorf("%+v, want ok after fast answers", h)
	}
}

// Closing the Transcriber cancels a request in flight at once, however slow the server.
func TestOpenAICancel(t *testing.T) {
	srv := asrtest.NewFakeWhisper(asrtest.Slowly(time.Minute, asrtest.AnswerVerbose))
	defer srv.Close()
	rec, _ := openTest(t, srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := Transcribe(ctx, rec, "en", tone(0.2)); done <- err }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err %v, want context.Canceled", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("cancel did not stop the request")
	}
	if h := rec.Health("en"); h.State != HealthOK {
		t.Errorf("a cancelled request counted against the recogniser: %+v", h)
	}
}

// Languages without an endpoint are not supported unless there is a default one; URLs
// are completed to the transcription path; bad ones fail at open.
func TestOpenAIEndpoints(t *testing.T) {
	rec, err := Open(OpenAI, Config{OpenAI: OpenAIConfig{Endpoints: map[string]Endpoint{
		"nl-NL": {URL: "http://gpu:8000"}, "en": {URL: "https://api.example/v1/"}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	e := rec.(*openAI)
	if !e.Supports("nl") || !e.Supports("en-GB") || e.Supports("de") {
		t.Error("supports: want nl and en only")
	}
	if got := e.eps["nl"].URL; got != "http://gpu:8000/v1/audio/transcriptions" {
		t.Errorf("nl url %s", got)
	}
	if got := e.eps["en"].URL; got != "https://api.example/v1/audio/transcriptions" {
		t.Errorf("en url %s", got)
	}
	if e.eps["nl"].Model != "whisper-1" {
		t.Errorf("default model %q", e.eps["nl"].Model)
	}
	if w, q := e.Pool(); w != 8 || q != 16 {
		t.Errorf("pool %d/%d, want 8/16", w, q)
	}
	for _, bad := range []map[string]Endpoint{nil, {"nl": {URL: "gpu:8000"}}, {"nl": {URL: "ftp://x/"}}} {
		if _, err := Open(OpenAI, Config{OpenAI: OpenAIConfig{Endpoints: bad}}); !errors.Is(err, ErrModel) {
			t.Errorf("endpoints %v: err %v, want ErrModel", bad, err)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{"": 0, "3": 3 * time.Second, "-1": 0, "soon": 0,
		"Thu, 03 Dec 2026 10:00:30 GMT": 30 * time.Second, "Thu, 03 Dec 2026 09:00:00 GMT": 0} {
		if got := retryAfter(in, now); got != want {
			t.Errorf("Retry-After %q: %s, want %s", in, got, want)
		}
	}
}

// FuzzParseTranscription: any answer body gives a Result or an error — never a panic,
// never a word outside the utterance, never a confidence outside [-1, 1].
func FuzzParseTranscription(f *testing.F) {
	f.Add([]byte(`{"text":"hallo","segments":[{"start":0,"end":1,"text":"hallo","avg_logprob":-0.1,"words":[{"word":"hallo","start":0,"end":9,"probability":0.7}]}]}`))
	f.Add([]byte(`{"text":"x","words":[{"word":"x","start":-5,"end":1e300}]}`))
	f.Add([]byte(`{"segments":[{"avg_logprob":1e309}]}`))
	f.Add([]byte(`<html>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := parseTranscription(b, time.Second)
		if err != nil {
			return
		}
		if res.Confidence < -1 || res.Confidence > 1 || math.IsNaN(res.Confidence) {
			t.Fatalf("confidence %v", res.Confidence)
		}
		for _, w := range res.Words {
			if w.Start < 0 || w.End > time.Second || w.End < w.Start || w.Confidence < -1 || w.Confidence > 1 || math.IsNaN(w.Confidence) {
				t.Fatalf("word %+v", w)
			}
		}
	})
}

// The collectors register once on a node's registry.
func TestASRMetricsRegister(t *testing.T) {
	m := metrics.NewASR()
	r := prometheus.NewRegistry()
	if err := m.Register(r); err != nil {
		t.Fatal(err)
	}
	if err := m.Register(r); err == nil {
		t.Error("registered twice without an error")
	}
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// metricValue reads one counter or gauge.
func metricValue(m prometheus.Metric) float64 {
	var d dto.Metric
	if m.Write(&d) != nil {
		return math.NaN()
	}
	if d.Counter != nil {
		return d.Counter.GetValue()
	}
	return d.Gauge.GetValue()
}
