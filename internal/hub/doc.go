// Package hub fans call events out to websocket clients: agents watching one call,
// supervisors watching all of them.
//
// Stage: the last one before browsers. Publish is called from the bus (and so from a
// call's hot path): it only appends to per-client bounded queues and never blocks, and
// it takes no lock that other calls hold (per-call topics; the all-calls subscriber set
// is copy-on-write; see the lock order in hub.go). A call's history grows with the call,
// keeps only its non-cue events once it has ended, and is swept on a timer. A viewer may
// subscribe to a call before it starts (WaitUntil) and is checked when it does (Allow). Each
// client has its own writer goroutine owned by the serving handler. When a client falls
// behind, stale live cues (level, pitch, vad) are coalesced — only the newest per party
// and type is kept — and a client that still cannot keep up with the events that matter
// (emotion, transcript, hint, call state), or whose oldest queued event is older than
// MaxLag (a stalled reader behind full socket buffers), is disconnected; it can reconnect with
// ?since=SEQ and is replayed what the hub still holds of that call's history.
package hub
