// Package asrtest holds a test double of an external speech recogniser for tests and load
// measurements: FakeWhisper, an in-process HTTP server of the OpenAI-compatible
// POST /v1/audio/transcriptions API. It recognises nothing; its answers are scripted.
// Test-only: nothing in the server imports it.
package asrtest

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Request is what the double received.
type Request struct {
	Path, Auth, Model, Language, Format, Prompt string
	Granularities                               []string
	Samples                                     int     // 16 kHz samples in the WAV
	PCM                                         []int16 // the samples, when FakeWhisper.KeepPCM
}

// Behaviour answers request n (1-based) whose form was req.
type Behaviour func(w http.ResponseWriter, r *http.Request, req Request, n int)

// FakeWhisper is the test double: it implements the transcription contract strictly
// enough to catch a malformed request — a multipart form with a file that is a 16 kHz mono
// 16-bit PCM WAV and a model, else 400 — and answers as its Behaviour says (AnswerVerbose
// by default: "samples N lang L" describes the audio, so tests can tell answers apart).
type FakeWhisper struct {
	*httptest.Server
	KeepPCM bool // keep each request's samples (Requests()[i].PCM)

	mu     sync.Mutex
	reqs   []Request
	behave Behaviour
}

// NewFakeWhisper starts the double with b (nil: AnswerVerbose). Close it when done.
func NewFakeWhisper(b Behaviour) *FakeWhisper {
	f := &FakeWhisper{behave: b}
	if f.behave == nil {
		f.behave = AnswerVerbose
	}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// TranscriptionsURL is the double's endpoint.
func (f *FakeWhisper) TranscriptionsURL() string { return f.URL + "/v1/audio/transcriptions" }

func (f *FakeWhisper) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/v1/audio/transcriptions") {
		http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
		return
	}
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		http.Error(w, `{"error":{"message":"bad multipart"}}`, http.StatusBadRequest)
		return
	}
	defer r.MultipartForm.RemoveAll()
	req := Request{Path: r.URL.Path, Auth: r.Header.Get("Authorization"), Model: r.FormValue("model"),
		Language: r.FormValue("language"), Format: r.FormValue("response_format"), Prompt: r.FormValue("prompt"),
		Granularities: r.MultipartForm.Value["timestamp_granularities[]"]}
	file, _, err := r.FormFile("file")
	if err != nil {
		http.Error(w, `{"error":{"message":"no file"}}`, http.StatusBadRequest)
		return
	}
	b, _ := io.ReadAll(file)
	file.Close()
	pcm, err := parseWAV(b)
	if err != nil || req.Model == "" {
		http.Error(w, fmt.Sprintf(`{"error":{"message":"bad request: model %q, file: %v"}}`, req.Model, err), http.StatusBadRequest)
		return
	}
	req.Samples = len(pcm)
	f.mu.Lock()
	if f.KeepPCM {
		req.PCM = pcm
	}
	f.reqs = append(f.reqs, req)
	n := len(f.reqs)
	behave := f.behave
	f.mu.Unlock()
	behave(w, r, req, n)
}

// SetBehaviour changes how the double answers from the next request on.
func (f *FakeWhisper) SetBehaviour(b Behaviour) {
	f.mu.Lock()
	f.behave = b
	f.mu.Unlock()
}

// Requests returns what was received so far.
func (f *FakeWhisper) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.reqs...)
}

// parseWAV accepts only a canonical or chunked RIFF/WAVE of 16 kHz mono 16-bit PCM.
func parseWAV(b []byte) ([]int16, error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, errors.New("not RIFF/WAVE")
	}
	fmtOK := false
	for p := 12; p+8 <= len(b); {
		id, n := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:p+8]))
		if n < 0 || p+8+n > len(b) {
			return nil, fmt.Errorf("chunk %q of %d bytes overruns the file", id, n)
		}
		body := b[p+8 : p+8+n]
		switch id {
		case "fmt ":
			if len(body) < 16 || binary.LittleEndian.Uint16(body) != 1 || binary.LittleEndian.Uint16(body[2:]) != 1 ||
				binary.LittleEndian.Uint32(body[4:]) != 16000 || binary.LittleEndian.Uint16(body[14:]) != 16 {
				return nil, errors.New("want PCM, mono, 16000 Hz, 16 bit")
			}
			fmtOK = true
		case "data":
			if !fmtOK {
				return nil, errors.New("data before fmt")
			}
			pcm := make([]int16, len(body)/2)
			for i := range pcm {
				pcm[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
			}
			return pcm, nil
		}
		p += 8 + n + n&1
	}
	return nil, errors.New("no data chunk")
}

// Said is the double's "recognition" of a request.
func Said(req Request) string { return fmt.Sprintf("samples %d lang %s", req.Samples, req.Language) }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// AnswerVerbose answers Said(req) like faster-whisper servers.
func AnswerVerbose(w http.ResponseWriter, r *http.Request, req Request, n int) {
	Say(Said)(w, r, req, n)
}

// Say answers text(req) like faster-whisper servers: verbose_json with a segment that
// carries avg_logprob and no_speech_prob and its words with a probability of 0.9 each,
// spread evenly over the audio; {"text"} when json was asked.
func Say(text func(Request) string) Behaviour {
	return func(w http.ResponseWriter, _ *http.Request, req Request, _ int) {
		tx := text(req)
		if req.Format != "verbose_json" {
			writeJSON(w, map[string]any{"text": tx})
			return
		}
		dur := float64(req.Samples) / 16000
		fields := strings.Fields(tx)
		words := []map[string]any{}
		for i, wd := range fields {
			words = append(words, map[string]any{"word": " " + wd, "start": dur * float64(i) / float64(len(fields)),
				"end": dur * float64(i+1) / float64(len(fields)), "probability": 0.9})
		}
		writeJSON(w, map[string]any{"task": "transcribe", "language": req.Language, "duration": dur, "text": " " + tx,
			"segments": []map[string]any{{"id": 0, "start": 0, "end": dur, "text": " " + tx, "avg_logprob": -0.2,
				"no_speech_prob": 0.01, "words": words}}})
	}
}

// AnswerOpenAIStyle answers like OpenAI's API: words at the top level without a
// probability, a segment with avg_logprob -0.5.
func AnswerOpenAIStyle(w http.ResponseWriter, _ *http.Request, req Request, _ int) {
	tx := Said(req)
	dur := float64(req.Samples) / 16000
	writeJSON(w, map[string]any{"task": "transcribe", "language": "dutch", "duration": dur, "text": tx,
		"words":    []map[string]any{{"word": "samples", "start": 0.0, "end": dur / 2}},
		"segments": []map[string]any{{"id": 0, "start": 0.0, "end": dur, "text": tx, "avg_logprob": -0.5, "no_speech_prob": 0.1}}})
}

// AnswerTextOnly answers {"text": …} whatever was asked (whisper.cpp's server in its
// default mode, some proxies).
func AnswerTextOnly(w http.ResponseWriter, _ *http.Request, req Request, _ int) {
	writeJSON(w, map[string]any{"text": Said(req)})
}

// Slowly delays b by d; the delay ends early when the client gives up.
func Slowly(d time.Duration, b Behaviour) Behaviour {
	return func(w http.ResponseWriter, r *http.Request, req Request, n int) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			b(w, r, req, n)
		case <-r.Context().Done():
		}
	}
}

// Fail answers status code with body and header pairs (name, value, …).
func Fail(code int, body string, hdr ...string) Behaviour {
	return func(w http.ResponseWriter, _ *http.Request, _ Request, _ int) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

// FailFirst answers the first k requests with b, then verbosely.
func FailFirst(k int, b Behaviour) Behaviour {
	return func(w http.ResponseWriter, r *http.Request, req Request, n int) {
		if n <= k {
			b(w, r, req, n)
			return
		}
		AnswerVerbose(w, r, req, n)
	}
}
