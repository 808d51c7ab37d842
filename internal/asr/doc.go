// Package asr turns party audio into text: speech recognition engines behind one
// Recognizer interface, an engine registry by name, and Transcriber, the call.Analyzer
// stage that feeds them.
//
// Stage in the pipeline: analysis. A Transcriber's per-party analyzer runs on the party's
// hot path (every 10 ms hop): it only copies speech samples, found by the stream's VAD, into
// an utterance buffer with a little pre-roll, and hands finished utterances to a bounded
// queue (drop-oldest, counted). A small worker pool owned by the Transcriber decodes them
// off the hot path and emits event.Transcript events through the call's goroutine-safe
// Emitter. Close on the Transcriber cancels and waits for its workers.
//
// Engines: "pocketsphinx" (CMU PocketSphinx via cgo, English only, Debian packages
// libpocketsphinx-dev, libsphinxbase-dev and pocketsphinx-en-us) is compiled only with the
// build tag `pocketsphinx`; without it the name is still registered and Open returns
// ErrNotBuiltIn, so `go build ./...` works on a machine without the C libraries. Its
// accuracy is demo grade: see README.md in this directory for measured WER and RTF.
// "openai" (openai.go, openai_wire.go) sends each utterance as a WAV to an external
// recogniser over the OpenAI-compatible POST /v1/audio/transcriptions API, per-language
// endpoints, with bounded concurrency, retries and a circuit breaker per endpoint
// (health.go); it reports its health (HealthReporter), which the transcript.status stage
// turns into events. asrtest.FakeWhisper is its test double.
//
// State: each per-party analyzer's utterance buffer belongs to that party's goroutine until
// it is queued; from then on the worker that decodes it owns it and returns it to the pool.
package asr
