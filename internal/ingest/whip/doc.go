// Package whip is the WebRTC-HTTP Ingestion Protocol (RFC 9725) endpoint: a browser
// softphone or a WebRTC gateway POSTs an SDP offer and streams its microphone (Opus,
// PCMU or PCMA) to us; DELETE on the returned Location hangs up.
//
// Stage: ingest. Each accepted offer becomes a session inside a call (several sessions
// may join one call, e.g. the customer's and the agent's softphones); each received audio
// track becomes that call's party stream, read on a goroutine owned by the call. Nothing
// downstream knows the audio came over WebRTC.
//
// Interop: an offer without a=group:BUNDLE that has one m-section (GStreamer webrtcbin
// with bundle-policy=none, as audio-only WHIP publishers built on it send) is given a
// BUNDLE group of its own mid before pion sees it, because pion v4.2.20 rejects every
// section of an unbundled offer (m=audio 0); the group is taken out of the answer again.
// Tested with webrtcbin itself (gstreamer_test.go). Two unbundled sections, or no audio in
// a codec we decode, are refused with a 400 that says so rather than answered with
// rejected sections.
package whip
