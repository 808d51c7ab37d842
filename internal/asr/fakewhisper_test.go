package asr

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// fakeWhisperServer is a test double of an external recogniser: an in-process HTTP
// server that implements the OpenAI-compatible POST /v1/audio/transcriptions contract
// (multipart form: file, model, language, response_format, timestamp_granularities[],
// prompt) strictly enough to catch a malformed request — it decodes the WAV and refuses
// anything that is not 16 kHz mono 16-bit PCM — and answers as its behave function says.
// It recognises nothing: the default answer describes the audio it received ("samples N
// lang L"), so tests can tell which utterance an answer belongs to.
type fakeWhisperServer struct {
	*httptest.Server

	mu     sync.Mutex
	reqs   []whisperRequest
	behave func(w http.ResponseWriter, r *http.Request, req whisperRequest, n int) // n: 1-based request count
}

// whisperRequest is what the double received.
type whisperRequest struct {
	Path, Auth, Model, Language, Format, Prompt string
	Granularities                               []string
	PCM                                         []int16
}

func newFakeWhisper(behave func(w http.ResponseWriter, r *http.Request, req whisperRequest, n int)) *fakeWhisperServer {
	f := &fakeWhisperServer{behave: behave}
	if f.behave == nil {
		f.behave = answerVerbose
	}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

func (f *fakeWhisperServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/v1/audio/transcriptions") {
		http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
		return
	}
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		http.Error(w, `{"error":{"message":"bad multipart: `+err.Error()+`"}}`, http.StatusBadRequest)
		return
	}
	req := whisperRequest{Path: r.URL.Path, Auth: r.Header.Get("Authorization"), Model: r.FormValue("model"),
		Language: r.FormValue("language"), Format: r.FormValue("response_format"), Prompt: r.FormValue("prompt"),
		Granularities: r.MultipartForm.Value["timestamp_granularities[]"]}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		http.Error(w, `{"error":{"message":"no file"}}`, http.StatusBadRequest)
		return
	}
	b, _ := io.ReadAll(file)
	file.Close()
	if req.PCM, err = parseWAV16k(hdr.Filename, b); err != nil || req.Model == "" {
		http.Error(w, fmt.Sprintf(`{"error":{"message":"bad request: model %q, file: %v"}}`, req.Model, err), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	n := len(f.reqs)
	behave := f.behave
	f.mu.Unlock()
	behave(w, r, req, n)
}

func (f *fakeWhisperServer) setBehave(b func(w http.ResponseWriter, r *http.Request, req whisperRequest, n int)) {
	f.mu.Lock()
	f.behave = b
	f.mu.Unlock()
}

func (f *fakeWhisperServer) requests() []whisperRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]whisperRequest(nil), f.reqs...)
}

// said is the double's "recognition" of a request.
func said(req whisperRequest) string {
	return fmt.Sprintf("samples %d lang %s", len(req.PCM), req.Language)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// answerVerbose answers like faster-whisper servers: verbose_json with segments that
// carry avg_logprob and no_speech_prob and their words with a probability each; json
// when that is what was asked.
func answerVerbose(w http.ResponseWriter, _ *http.Request, req whisperRequest, _ int) {
	text := said(req)
	if req.Format != "verbose_json" {
		writeJSON(w, map[string]any{"text": text})
		return
	}
	dur := float64(len(req.PCM)) / SampleRate
	var words []map[string]any
	for i, wd := range strings.Fields(text) {
		words = append(words, map[string]any{"word": " " + wd, "start": dur * float64(i) / 4,
			"end": dur * float64(i+1) / 4, "probability": 0.9})
	}
	writeJSON(w, map[string]any{"task": "transcribe", "language": req.Language, "duration": dur, "text": " " + text,
		"segments": []map[string]any{{"id": 0, "start": 0, "end": dur, "text": " " + text, "avg_logprob": -0.2,
			"no_speech_prob": 0.01, "words": words}}})
}

// answerOpenAIStyle answers like OpenAI's API: words at the top level without a
// probability, segments with avg_logprob.
func answerOpenAIStyle(w http.ResponseWriter, _ *http.Request, req whisperRequest, _ int) {
	text := said(req)
	dur := float64(len(req.PCM)) / SampleRate
	writeJSON(w, map[string]any{"task": "transcribe", "language": "dutch", "duration": dur, "text": text,
		"words":    []map[string]any{{"word": "samples", "start": 0.0, "end": dur / 2}},
		"segments": []map[string]any{{"id": 0, "start": 0.0, "end": dur, "text": text, "avg_logprob": -0.5, "no_speech_prob": 0.1}}})
}

// answerTextOnly answers {"text": …} whatever was asked (whisper.cpp's server in its
// default mode, some proxies).
func answerTextOnly(w http.ResponseWriter, _ *http.Request, req whisperRequest, _ int) {
	writeJSON(w, map[string]any{"text": said(req)})
}

// slowly wraps a behaviour with a delay that ends early when the client gives up.
func slowly(d time.Duration, b func(http.ResponseWriter, *http.Request, whisperRequest, int)) func(http.ResponseWriter, *http.Request, whisperRequest, int) {
	return func(w http.ResponseWriter, r *http.Request, req whisperRequest, n int) {
		select {
		case <-time.After(d):
			b(w, r, req, n)
		case <-r.Context().Done():
		}
	}
}
