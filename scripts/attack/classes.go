package main

// classes are run in this order. owner "harden": the zeros depend on this branch (issue
// 12 #6–9); "lead": on the lead's fixes landing in parallel (#1–5, the WHIP codec check
// of #9); "both": garbage classes whose crash and leak zeros held before either.
var classes = []class{
	{"whip-sdp", "lead", whipSDP},
	{"rest-query-token", "harden", queryTokenREST},
	{"long-inputs", "harden", longInputs},
	{"session-flood", "harden", sessionFlood},
	{"auth-flood", "harden", authFlood},
	{"twilio-garbage", "both", twilioGarbage},
	{"audiohook-garbage", "both", audiohookGarbage},
	{"audiosocket-garbage", "both", audiosocketGarbage},
	{"sip-garbage-udp", "harden", sipGarbageUDP},
	{"sip-garbage-tcp", "harden", sipGarbageTCP},
	{"sip-unauth", "lead", sipUnauth},
	{"audiosocket-unauth", "lead", audiosocketUnauth},
	{"call-takeover", "lead", callTakeover},
	{"pacing", "lead", pacing},
	{"slow-body", "lead", slowBody},
	{"idle-keepalive", "lead", idleKeepalive},
	{"disk-full", "harden", diskFull},
}
