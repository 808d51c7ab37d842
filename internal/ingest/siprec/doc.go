// Package siprec is the SIP ingest: a Session Recording Server (RFC 7866) for SIPREC
// clients (SBCs, PBXs) and a plain SIP endpoint for one forked audio stream.
//
// A SIPREC INVITE carries a multipart/mixed body with the SDP offer (one m=audio per
// recorded stream, each with a=label) and application/rs-metadata+xml (RFC 7865) that
// says which participant sends which stream. The caller (the first participant in the
// metadata) is the customer and the other the agent, or the other way round by config;
// without usable metadata the m-line order decides. We answer 200 OK recvonly with one
// RTP port per stream, receive PCMU, PCMA or Opus (telephone-event is accepted and
// ignored), and end the call on BYE. A plain INVITE (application/sdp only) with one audio
// stream becomes one party: X-Undertone-Party (customer/agent) or the configured default.
// X-Undertone-Call and X-Undertone-Agent set the call id and agent; otherwise the SIP
// Call-ID (made safe) is the call id. X-Undertone-Lang (en, nl-NL) is the call's language.
// Peers are trusted by source address (the allow-list); an INVITE may also carry an
// integrator token in X-Undertone-Token (required with telephony.sip_require_token), and
// then counts against that integrator's concurrent-call limit, shared with the other
// ingests (403 for a missing or bad token, 503 Retry-After over the limit).
//
// Stage: ingest. SIP signalling is github.com/emiago/sipgo (UDP and TCP on one port);
// the Server owns the SIP transport and its goroutines. Each accepted dialog opens a call
// that owns its RTP sockets (closed by Call.OnEnd) and one reader goroutine per stream.
// RTP from an address other than the one in the offer is dropped and counted. When a
// call ends by itself (media timeout, shutdown) the server sends BYE in the dialog.
package siprec
