// Package audiosocket is the Asterisk AudioSocket ingest: a TCP listener that receives
// one party's audio per connection as frames of 1-byte kind, 2-byte big-endian length and
// payload (0x01 call UUID, 0x10 signed-linear 16-bit 8 kHz little-endian audio, 0x00
// hangup, 0xff error; 0x11–0x18 signed-linear at higher rates, 0x03 DTMF, ignored).
//
// Stage: ingest. Each connection is mapped from its UUID to a call and a party (see
// Mapper) and, once joined, is read on a goroutine owned by that call: the call owns the
// socket (closed by Call.OnEnd). The Server owns only its accept loop and the handshakes
// that have not yet been handed to a call; Close stops and waits for both.
//
// # Asterisk dialplan
//
// AudioSocket carries what its channel hears, so one connection carries one party, and the
// AudioSocket application occupies its channel.
//
// The stock set-up works as it is: every connection whose UUID no rule pairs with another
// leg becomes a call of its own, its id the UUID, with one party (customer, or
// telephony.audiosocket_default_party), and the server logs one line per such call saying
// how to pair legs. So a plain
//
//	[from-pstn]
//	exten => _X.,1,Answer()
//	 same => n,AudioSocket(${UUID()},undertone.example:9092)
//
// shows each caller as a live one-party call in GET /v1/calls and on the dashboards. (A
// random UUID ends in the hex digit 1 one time in sixteen and is then read by the suffix
// rule below as the agent leg of a call; set telephony.audiosocket_mapping: uuid when a
// dialplan never pairs legs, and every UUID is its own call.)
//
// To see both parties as one call, fork each leg from a Local channel that spies on it.
// The default mapping ("suffix") reads a UUID's last hex digit as the party (0 = customer,
// 1 = agent) and the 35 characters before it as the call id, so a dialplan pairs the two
// legs without an API call:
//
//	[from-pstn]
//	exten => _X.,1,Set(UT=${SHELL(uuidgen | tr -d '\n')})
//	 same => n,Set(UT_CALL=${UT:0:35})
//	 ; customer: what this channel receives from the caller
//	 same => n,Originate(Local/${UT_CALL}0@undertone-fork,app,ChanSpy,${CHANNEL}\,qoS)
//	 ; agent: the same, on the agent's channel once it exists (pre-dial handler)
//	 same => n,Dial(PJSIP/agents,,b(undertone-agent^s^1(${UT_CALL})))
//
//	[undertone-agent]
//	exten => s,1,Originate(Local/${ARG1}1@undertone-fork,app,ChanSpy,${CHANNEL}\,qoS)
//	 same => n,Return()
//
//	[undertone-fork]
//	; AudioSocket(uuid,host:port): slin 8 kHz, kind 0x10 frames, hangup when the spy stops
//	exten => _[0-9a-f].,1,AudioSocket(${EXTEN},undertone.example:9092)
//
// (The frame format is tested here with a client that follows Asterisk's
// res_audiosocket byte for byte, and the stock case as Asterisk plays it: a random UUID,
// 20 ms slin frames at real time, a hangup frame. Neither dialplan above was run against
// an Asterisk in this repository's tests.) Any other pairing can be registered with
// POST /v1/audiosocket/bindings {"uuid","call","party","agent"} before the connection
// arrives: bindings win over the suffix rule and expire after BindingTTL unused. A bound
// call counts against the binding integrator's concurrent-call limit (429 when it has no
// place left), shared with the other ingests; connections are otherwise trusted by source
// address (telephony.audiosocket_allow).
//
// Mappings (telephony.audiosocket_mapping): "suffix" (default) as above; "uuid" makes every
// UUID its own one-party call; "strict" refuses every UUID that has no binding.
package audiosocket
