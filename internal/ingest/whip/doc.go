// Package whip is the WebRTC-HTTP Ingestion Protocol (RFC 9725) endpoint: a browser
// softphone or a WebRTC gateway POSTs an SDP offer and streams its microphone (Opus,
// PCMU or PCMA) to us; DELETE on the returned Location hangs up.
//
// Stage: ingest. Each accepted offer becomes a session inside a call (several sessions
// may join one call, e.g. the customer's and the agent's softphones); each received audio
// track becomes that call's party stream, read on a goroutine owned by the call. Nothing
// downstream knows the audio came over WebRTC.
package whip
