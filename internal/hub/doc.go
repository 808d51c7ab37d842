// Package hub fans call events out to websocket clients: agents watching one call,
// supervisors watching all of them.
//
// Stage: the last one before browsers. Publish is called from the bus (and so from a
// call's hot path): it only appends to per-client bounded queues and never blocks. Each
// client has its own writer goroutine owned by the serving handler. When a client falls
// behind, stale live cues (level, pitch, vad) are coalesced — only the newest per party
// and type is kept — and a client that still cannot keep up with the events that matter
// (emotion, transcript, hint, call state) is disconnected; it can reconnect with
// ?since=SEQ and is replayed what the hub still holds of that call's history.
package hub
