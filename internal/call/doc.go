// Package call is the per-call session: it owns the goroutines and state of one call,
// wires each party's stream through decode, resampling and analysis, and emits the
// call's events with a per-call sequence number.
//
// Ownership. A Call owns every goroutine started with Go and every closer registered with
// OnEnd; End cancels them, waits for them, flushes the party streams, writes the summary
// through the Recorder and only then publishes call.ended. A Stream is fed by exactly one
// goroutine (the ingest loop of that party) and runs the hot path on it without locks.
// A panic in a call's goroutine is recovered, logged, and ends that call only.
//
// The Registry holds live calls by id, lets a second party join an existing call, and
// drains every call on shutdown.
package call
