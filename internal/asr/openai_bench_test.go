package asr

import (
	"context"
	"flag"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/asr/asrtest"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/metrics"
)

// BenchmarkOpenAIUtterance is the engine's own cost per utterance on loopback: buffering
// the samples as a WAV, the multipart request, reading and parsing a verbose_json answer
// with word timings. The server reads the body and sends a canned answer, so the figure
// is ours, not a recogniser's.
//
//	go test ./internal/asr -run '^$' -bench OpenAIUtterance -benchmem
func BenchmarkOpenAIUtterance(b *testing.B) {
	answer := []byte(`{"task":"transcribe","language":"nl","duration":3.0,"text":" ik wil mijn abonnement opzeggen",` +
		`"segments":[{"id":0,"start":0,"end":3,"text":" ik wil mijn abonnement opzeggen","avg_logprob":-0.2,"no_speech_prob":0.01,` +
		`"words":[{"word":" ik","start":0,"end":0.5,"probability":0.9},{"word":" wil","start":0.5,"end":1,"probability":0.9},` +
		`{"word":" mijn","start":1,"end":1.5,"probability":0.9},{"word":" abonnement","start":1.5,"end":2.4,"probability":0.9},` +
		`{"word":" opzeggen","start":2.4,"end":3,"probability":0.9}]}]}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answer)
	}))
	defer srv.Close()
	for _, sec := range []float64{1, 3, 10} {
		b.Run(strconv.FormatFloat(sec, 'f', -1, 64)+"s", func(b *testing.B) {
			rec, _ := openTest(b, srv.URL)
			pcm := tone(sec)
			b.SetBytes(int64(2 * len(pcm)))
			b.ReportAllocs()
			for b.Loop() {
				res, err := Transcribe(context.Background(), rec, "nl", pcm)
				if err != nil || len(res.Words) != 5 {
					b.Fatal(err, res)
				}
			}
		})
	}
}

// BenchmarkOpenAIEncode is the WAV buffering alone (Write in 100 ms chunks and the header).
func BenchmarkOpenAIEncode(b *testing.B) {
	rec, _ := openTest(b, "http://127.0.0.1:1")
	pcm := tone(3)
	b.SetBytes(int64(2 * len(pcm)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := rec.NewStream(context.Background(), "nl")
		if err != nil {
			b.Fatal(err)
		}
		st := s.(*openAIStream)
		for p := pcm; len(p) > 0; p = p[min(len(p), ChunkSamples):] {
			_ = st.Write(p[:min(len(p), ChunkSamples)])
		}
		putWAVHeader((*st.buf)[:wavHeader], len(*st.buf)-wavHeader)
		_ = s.Close()
	}
}

var (
	loadRun         = flag.Bool("asr.load", false, "run TestExternalRecognizerLoad (real time, about a minute)")
	loadCalls       = flag.Int("asr.load.calls", 50, "concurrent calls")
	loadSeconds     = flag.Float64("asr.load.seconds", 60, "seconds of conversation per call")
	loadLatency     = flag.Duration("asr.load.latency", 2*time.Second, "recogniser answer time")
	loadConcurrency = flag.Int("asr.load.concurrency", 0, "requests in flight (0: the engine's default)")
)

// TestExternalRecognizerLoad measures how many utterances are dropped when calls talk at
// once and the recogniser takes a fixed time to answer. Behind -asr.load because it runs in
// real time:
//
//	go test ./internal/asr -run ExternalRecognizerLoad -asr.load -v [-asr.load.concurrency 32]
//
// Each call is a conversation: customer and agent take turns of 1.5–6 s of speech with
// 0.3–1.2 s between turns (seeded), so a call makes one utterance every ~4.5 s; calls start
// spread over the first 4 s. The recogniser is asrtest.FakeWhisper answering after
// -asr.load.latency. Reported: utterances made, transcribed, dropped by the drop-oldest
// queue, and the lag from the end of an utterance to its transcript.
func TestExternalRecognizerLoad(t *testing.T) {
	if !*loadRun {
		t.Skip("a real-time measurement: run with -asr.load")
	}
	srv := asrtest.NewFakeWhisper(asrtest.Slowly(*loadLatency, asrtest.AnswerVerbose))
	defer srv.Close()
	m := metrics.NewASR()
	rec, _ := openTest(t, srv.URL, func(c *OpenAIConfig) {
		c.Concurrency, c.Timeout, c.SlowAfter = *loadConcurrency, *loadLatency+10*time.Second, *loadLatency+time.Second
	})
	tr := newTestTranscriber(t, rec, Params{Metrics: m, Log: nil})
	var lagMu sync.Mutex
	var lags []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for c := range *loadCalls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			callStart := start.Add(time.Duration(rng.Float64() * 4 * float64(time.Second)))
			time.Sleep(time.Until(callStart))
			em := &lagEmitter{start: callStart, mu: &lagMu, lags: &lags}
			id := "load-" + strconv.Itoa(c)
			parties := [2]call.Analyzer{tr.Analyzer(id, event.Customer), tr.Analyzer(id, event.Agent)}
			feeders := [2]*feeder{newFeeder(parties[0], em), newFeeder(parties[1], em)}
			end := time.Duration(*loadSeconds * float64(time.Second))
			turn := 0
			for el := time.Duration(0); el < end; turn = 1 - turn {
				talk := time.Duration((1.5 + 4.5*rng.Float64()) * float64(time.Second))
				gap := time.Duration((0.3 + 0.9*rng.Float64()) * float64(time.Second))
				el += paced(callStart, el, talk, func(d time.Duration) {
					feeders[turn].run(d, true)
					feeders[1-turn].run(d, false)
				})
				el += paced(callStart, el, gap, func(d time.Duration) {
					feeders[0].run(d, false)
					feeders[1].run(d, false)
				})
			}
			parties[0].Close(em)
			parties[1].Close(em)
		}()
	}
	wg.Wait()
	st := tr.Stats()
	slices.Sort(lags)
	pct := func(p float64) time.Duration {
		if len(lags) == 0 {
			return 0
		}
		return lags[min(len(lags)-1, int(p*float64(len(lags))))].Round(10 * time.Millisecond)
	}
	w, q := rec.Pool()
	made := st.Queued
	t.Logf("%d calls × %.0f s, recogniser answers in %s, concurrency %d, queue %d (drop-oldest)", *loadCalls, *loadSeconds, *loadLatency, w, q)
	t.Logf("utterances: %d made, %d transcribed, %d dropped (queue full) = %.1f %%, %d abandoned at call end, %d failed, %d unavailable",
		made, st.Emitted, st.Dropped, 100*float64(st.Dropped)/float64(max(made, 1)), st.Abandoned, st.Errors, st.Unavailable)
	t.Logf("lag from utterance end to transcript: p50 %s, p95 %s, max %s; recogniser requests %d; wall %s",
		pct(0.5), pct(0.95), pct(1), len(srv.Requests()), time.Since(start).Round(time.Second))
}

// paced runs feed for d of audio in 100 ms steps, each when the wall clock reaches it
// (a call in real time), and returns d.
func paced(callStart time.Time, at, d time.Duration, feed func(time.Duration)) time.Duration {
	const step = 100 * time.Millisecond
	for done := time.Duration(0); done < d; done += step {
		time.Sleep(time.Until(callStart.Add(at + done + step)))
		feed(min(step, d-done))
	}
	return d
}

// lagEmitter records how long after its utterance ended (in wall time) each transcript came.
type lagEmitter struct {
	start time.Time
	mu    *sync.Mutex
	lags  *[]time.Duration
}

func (l *lagEmitter) Emit(_ event.Party, t time.Duration, _ event.Payload) {
	lag := time.Since(l.start.Add(t))
	l.mu.Lock()
	*l.lags = append(*l.lags, lag)
	l.mu.Unlock()
}
