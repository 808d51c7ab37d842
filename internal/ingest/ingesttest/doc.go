// Package ingesttest is the contract every ingest protocol (a Source) passes, run against
// a real node on loopback: a known stereo test call (a 220 Hz tone as the customer, 330 Hz
// as the agent) arrives with the parties the right way round, event timestamps are
// monotonic, a hangup ends the call exactly once with its summary written, and a peer
// that vanishes mid-call ends it within the configured idle timeout.
//
// Each protocol's tests call Run with a Source whose Dial plays both parties the way that
// protocol's real peers do (WHIP via internal/whipclient, AudioSocket, Twilio Media
// Streams, AudioHook, SIPREC). Test-only: nothing in the server imports it.
package ingesttest
