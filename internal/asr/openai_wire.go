package asr

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"
)

// wavHeader is the size of the canonical RIFF/WAVE header of 16-bit PCM.
const wavHeader = 44

// putWAVHeader writes the header of n bytes of 16 kHz mono 16-bit PCM into h[:44].
func putWAVHeader(h []byte, n int) {
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+n))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1) // PCM
	binary.LittleEndian.PutUint16(h[22:], 1) // mono
	binary.LittleEndian.PutUint32(h[24:], SampleRate)
	binary.LittleEndian.PutUint32(h[28:], SampleRate*2)
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(n))
}

// requestError is one failed request: what it counts as, and whether to retry.
type requestError struct {
	outcome string        // metrics outcome: timeout, connect, http_429, http_4xx, http_5xx, bad_response
	retry   bool          // a retry may succeed
	after   time.Duration // the server's Retry-After, 0 if none
	msg     string
}

func (r *requestError) Error() string { return r.msg }

// form builds the multipart body around wav without copying it: the fields and the file
// part's header, the WAV bytes, then the closing boundary.
func form(ep *endpoint, lang string, verbose bool, wav []byte) (ctype string, body func() io.Reader, n int64) {
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	_ = mw.WriteField("model", ep.Model)
	if lang != "" {
		_ = mw.WriteField("language", lang)
	}
	if verbose {
		_ = mw.WriteField("response_format", "verbose_json")
		_ = mw.WriteField("timestamp_granularities[]", "segment")
		_ = mw.WriteField("timestamp_granularities[]", "word")
	} else {
		_ = mw.WriteField("response_format", "json")
	}
	_ = mw.WriteField("temperature", "0")
	if ep.Prompt != "" {
		_ = mw.WriteField("prompt", ep.Prompt)
	}
	hdr := textproto.MIMEHeader{}
	hdr.Set("Content-Disposition", `form-data; name="file"; filename="utterance.wav"`)
	hdr.Set("Content-Type", "audio/wav")
	_, _ = mw.CreatePart(hdr)
	pre := bytes.Clone(head.Bytes())
	head.Reset()
	_ = mw.Close()
	post := head.Bytes()
	return mw.FormDataContentType(), func() io.Reader {
		return io.MultiReader(bytes.NewReader(pre), bytes.NewReader(wav), bytes.NewReader(post))
	}, int64(len(pre) + len(wav) + len(post))
}

// post sends one request. A server that refuses verbose_json (400/422) is asked again at
// once for plain json, and from then on only for that.
func (e *openAI) post(ctx context.Context, ep *endpoint, lang string, wav []byte, audio time.Duration) (Result, *requestError) {
	verbose := !ep.plainJSON.Load()
	res, rerr := e.post1(ctx, ep, lang, wav, audio, verbose)
	if verbose && rerr != nil && refusesVerbose(rerr) {
		e.m.Requests.WithLabelValues(ep.label, rerr.outcome).Inc() // the refused one; send counts the second
		if res2, rerr2 := e.post1(ctx, ep, lang, wav, audio, false); rerr2 == nil {
			ep.plainJSON.Store(true)
			e.log.Warn("external recogniser refuses response_format=verbose_json: asking for json (no word timings or confidences)",
				"endpoint", ep.label, "first_answer", rerr.msg)
			return res2, nil
		}
	}
	return res, rerr
}

// refusesVerbose reports an answer that may mean "no verbose_json here": a 400 or 422,
// or any error status whose message names response_format (older vLLM answers
// "Currently only support response_format text or json"; proxies turn that into a 500).
func refusesVerbose(r *requestError) bool {
	return strings.HasPrefix(r.msg, "HTTP 400") || strings.HasPrefix(r.msg, "HTTP 422") ||
		(strings.HasPrefix(r.msg, "HTTP ") && strings.Contains(r.msg, "response_format"))
}

func (e *openAI) post1(ctx context.Context, ep *endpoint, lang string, wav []byte, audio time.Duration, verbose bool) (Result, *requestError) {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	ctype, body, n := form(ep, lang, verbose, wav)
	// The transport may still read a request body after Do has returned (net/http:
	// RoundTrip may close it in another goroutine); wav goes back to a pool when we return,
	// so every reader of it is shut here first.
	gate := &bodyGate{}
	defer gate.shut()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, gate.reader(body()))
	if err != nil {
		return Result{}, &requestError{outcome: "connect", msg: err.Error()}
	}
	req.ContentLength = n
	req.GetBody = func() (io.ReadCloser, error) { return gate.reader(body()), nil }
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Accept", "application/json")
	if ep.Key != "" {
		req.Header.Set("Authorization", "Bearer "+ep.Key)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return Result{}, netError(ctx, err, e.cfg.Timeout)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return Result{}, statusError(resp, e.cfg.Now())
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, e.cfg.MaxResponse+1))
	if err != nil {
		return Result{}, netError(ctx, err, e.cfg.Timeout)
	}
	if int64(len(raw)) > e.cfg.MaxResponse {
		return Result{}, &requestError{outcome: "bad_response", msg: fmt.Sprintf("answer longer than %d bytes", e.cfg.MaxResponse)}
	}
	res, perr := parseTranscription(raw, audio)
	if perr != nil {
		return Result{}, &requestError{outcome: "bad_response", msg: fmt.Sprintf("answer (%s, %d bytes) %v: %q",
			resp.Header.Get("Content-Type"), len(raw), perr, snippet(raw))}
	}
	return res, nil
}

// bodyGate shuts request body readers: after shut, no Read touches the bytes behind them.
type bodyGate struct {
	mu     sync.Mutex
	closed bool
}

func (g *bodyGate) shut() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}

func (g *bodyGate) reader(r io.Reader) io.ReadCloser { return &gatedReader{g: g, r: r} }

type gatedReader struct {
	g *bodyGate
	r io.Reader
}

func (r *gatedReader) Read(p []byte) (int, error) {
	r.g.mu.Lock()
	defer r.g.mu.Unlock()
	if r.g.closed {
		return 0, io.ErrClosedPipe
	}
	return r.r.Read(p)
}

func (r *gatedReader) Close() error { return nil }

func netError(ctx context.Context, err error, timeout time.Duration) *requestError {
	var ne net.Error
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return &requestError{outcome: "timeout", retry: true, msg: "no answer within " + timeout.String()}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &requestError{outcome: "connect", retry: true, msg: "connection refused"}
	}
	return &requestError{outcome: "connect", retry: true, msg: err.Error()}
}

func statusError(resp *http.Response, now time.Time) *requestError {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
	msg := fmt.Sprintf("HTTP %d: %s", resp.StatusCode, errorMessage(body))
	code := resp.StatusCode
	r := &requestError{outcome: "http_4xx", msg: msg}
	switch {
	case code == http.StatusTooManyRequests:
		r.outcome, r.retry = "http_429", true
	case code >= 500:
		r.outcome, r.retry = "http_5xx", true
	case code == http.StatusRequestTimeout:
		r.retry = true
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		r.msg += " (check the endpoint's key: asr_openai key_env)"
	case code == http.StatusNotFound:
		r.msg += " (check the endpoint's url: want …/v1/audio/transcriptions)"
	}
	if r.retry {
		r.after = retryAfter(resp.Header.Get("Retry-After"), now)
	}
	return r
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(min(s, 86400)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// errorMessage extracts a one-line message from an error body: OpenAI's
// {"error":{"message":…}}, {"detail":…} (FastAPI servers), {"error":"…"}, else the text.
func errorMessage(body []byte) string {
	var m struct {
		Error  json.RawMessage `json:"error"`
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &m) == nil {
		var inner struct {
			Message string `json:"message"`
		}
		var s string
		switch {
		case json.Unmarshal(m.Error, &inner) == nil && inner.Message != "":
			return snippet([]byte(inner.Message))
		case json.Unmarshal(m.Error, &s) == nil && s != "":
			return snippet([]byte(s))
		case len(m.Detail) > 0:
			return snippet(m.Detail)
		}
	}
	return snippet(body)
}

// snippet is at most 160 bytes of b on one line, valid UTF-8.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b[:min(len(b), 160)])), " ")
	return strings.ToValidUTF8(s, "?")
}

// transcription is the JSON answer: "json" has text only; "verbose_json" adds the
// language, segments (whisper's avg_logprob and no_speech_prob) and, when asked with
// timestamp_granularities[]=word, words at the top level (OpenAI) or inside each segment
// (faster-whisper servers), with a probability where the server gives one.
type transcription struct {
	Text     *string   `json:"text"`
	Segments []segment `json:"segments"`
	Words    []word    `json:"words"`
}

type segment struct {
	Start        flexFloat  `json:"start"`
	End          flexFloat  `json:"end"`
	Text         string     `json:"text"`
	AvgLogprob   *flexFloat `json:"avg_logprob"`
	NoSpeechProb flexFloat  `json:"no_speech_prob"`
	// CompressionRatio is positive when real; vLLM's verbose_json fills avg_logprob and
	// compression_ratio with -1 placeholders, which then say nothing.
	CompressionRatio *flexFloat `json:"compression_ratio"`
	Words            []word     `json:"words"`
}

type word struct {
	Word        string     `json:"word"`
	Start       flexFloat  `json:"start"`
	End         flexFloat  `json:"end"`
	Probability *flexFloat `json:"probability"`
}

// flexFloat is a JSON number that some servers write as a string ("17.65"); null is 0.
type flexFloat float64

func (f *flexFloat) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		*f = 0
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("not a number: %.20s", b)
	}
	*f = flexFloat(v)
	return nil
}

// Whisper's own thresholds for "this segment is not speech" (openai/whisper
// transcribe.py: no_speech_threshold 0.6 together with logprob_threshold −1.0): such
// segments are dropped, which removes its well-known hallucinations on noise ("Thank you.").
const (
	noSpeechProb  = 0.6
	noSpeechLogpr = -1.0
)

var errShape = errors.New("is not a transcription (want a JSON object with text or segments)")

// parseTranscription turns an answer into a Result. Confidence: the mean word
// probability when words carry one; else exp of the duration-weighted mean avg_logprob of
// the segments (the geometric mean token probability, 0..1); else -1 (text only: the
// server gave no posterior).
func parseTranscription(raw []byte, audio time.Duration) (Result, error) {
	var t transcription
	if err := json.Unmarshal(raw, &t); err != nil {
		return Result{}, errShape
	}
	if t.Text == nil && t.Segments == nil {
		return Result{}, errShape
	}
	res := Result{Confidence: -1}
	clamp := func(s flexFloat) time.Duration {
		if s <= 0 {
			return 0
		}
		if float64(s) >= audio.Seconds() {
			return audio
		}
		return time.Duration(float64(s) * float64(time.Second))
	}
	words := t.Words
	var texts []string
	var lpSum, lpDur float64
	kept := 0
	var dropped [][2]float64 // spans of non-speech segments: their top-level words go too
	for _, s := range t.Segments {
		if s.CompressionRatio != nil && *s.CompressionRatio < 0 {
			s.AvgLogprob, s.NoSpeechProb = nil, 0 // placeholders
		}
		if s.AvgLogprob != nil && s.NoSpeechProb > noSpeechProb && *s.AvgLogprob < noSpeechLogpr {
			dropped = append(dropped, [2]float64{float64(s.Start), float64(s.End)})
			continue
		}
		kept++
		if tx := strings.TrimSpace(s.Text); tx != "" {
			texts = append(texts, tx)
		}
		if s.AvgLogprob != nil {
			d := max(float64(s.End-s.Start), 0.01)
			lpSum += float64(*s.AvgLogprob) * d
			lpDur += d
		}
		if len(t.Words) == 0 {
			words = append(words, s.Words...)
		}
	}
	switch {
	case len(t.Segments) > 0:
		res.Text = strings.Join(texts, " ")
	case t.Text != nil:
		res.Text = strings.TrimSpace(*t.Text)
	}
	if !utf8.ValidString(res.Text) {
		res.Text = strings.ToValidUTF8(res.Text, "")
	}
	if kept == 0 && len(t.Segments) > 0 {
		return res, nil // every segment was non-speech: an empty transcript
	}
	var pSum float64
	nP := 0
	for _, w := range words {
		tx := strings.TrimSpace(w.Word)
		mid := float64(w.Start+w.End) / 2
		if tx == "" || slices.ContainsFunc(dropped, func(d [2]float64) bool { return mid >= d[0] && mid <= d[1] }) {
			continue
		}
		conf := -1.0
		if w.Probability != nil && *w.Probability >= 0 && *w.Probability <= 1 {
			conf = float64(*w.Probability)
			pSum += conf
			nP++
		}
		res.Words = append(res.Words, Word{Word: tx, Start: clamp(w.Start), End: clamp(max(w.End, w.Start)), Confidence: conf})
	}
	switch {
	case nP > 0:
		res.Confidence = round4(pSum / float64(nP))
	case lpDur > 0:
		res.Confidence = round4(math.Exp(min(lpSum/lpDur, 0)))
	}
	if len(res.Words) > 0 && nP == 0 && res.Confidence >= 0 {
		for i := range res.Words {
			res.Words[i].Confidence = res.Confidence
		}
	}
	return res, nil
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
