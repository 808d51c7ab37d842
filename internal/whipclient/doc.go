// Package whipclient publishes audio to a WHIP endpoint with a pion peer: the replay
// command, the load generator and the end-to-end tests all use it, so they exercise the
// same path a WebRTC gateway does. It sends G.711 µ-law (PCMU) at 8 kHz, or Opus packets
// encoded by the caller, one track per party, with the party as the stream id, paced in
// real time.
package whipclient
