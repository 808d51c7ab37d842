// Package audiohook is the Genesys Cloud AudioHook (protocol version 2) ingest: a websocket
// at /v1/media/audiohook. The client (Genesys) authenticates with X-API-KEY (an integrator
// token here) and, when a client secret is configured, an HTTP message signature
// (Signature-Input/Signature, hmac-sha256 over @request-target, @authority and the
// audiohook-* and x-api-key headers, with created/expires and a nonce that may be used
// once). It then runs the open → opened transaction, sends binary PCMU 8 kHz frames with
// the channels interleaved as negotiated (external = customer, internal = agent), pings
// (answered with pong), may pause and resume, and ends with close → closed.
//
// Stage: ingest. The HTTP handler authenticates and runs the open transaction under a
// deadline; the call then owns the socket, read on one goroutine started with Call.Go
// that feeds both party streams. Connection probes (an open for the all-zero
// conversation id) are answered with opened and never become calls.
package audiohook
