// Package twilio is the websocket media-stream ingest in the Twilio Media Streams message
// format (<Connect><Stream> or <Start><Stream track="both_tracks">): JSON text messages
// connected, start (call, stream, tracks, media format, custom parameters), media
// (base64 µ-law 8 kHz, per track, with a chunk counter), mark, dtmf and stop. The inbound
// track is the customer, the outbound track the agent.
//
// Stage: ingest. The HTTP handler authenticates and reads the handshake (connected,
// start) on its own goroutine under a deadline; the call then owns the socket: one
// goroutine started with Call.Go reads every message and feeds both party streams.
//
// Authentication: a bearer token with the integrator role, in the Authorization header,
// the token query parameter, or — since Twilio's <Stream url> cannot carry headers or a
// query — a custom parameter: <Parameter name="token" value="…"/>. The parameters call
// and agent, when present, set the call id (otherwise the callSid) and the agent.
package twilio
