// Package transcript takes transcripts pushed by integrators that run their own ASR
// (POST /v1/calls/{id}/transcript) into a call's event stream, redacted, and runs the
// intent model on each final customer utterance (the transcript → intent stage).
//
// Stage: the handler sits at the HTTP edge and emits through call.Call.Emit (safe from any
// goroutine); its only state is the open segment id per call and party, guarded by a
// mutex and dropped when the call ends. The intent stage is a call analyzer
// (internal/call.CallAnalyzer) on the call's joiner goroutine and owns no shared state.
package transcript
