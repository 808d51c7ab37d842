// Package dynamics measures the shape of a conversation from both parties' voice activity:
// talk ratio, overtalk, interruptions (who interrupted whom), dead air, pace, turns and the
// longest monologue. It emits dynamics events at most once a second and alert events when
// the line goes quiet for long or the agent talks over the customer.
//
// Stage: a call analyzer (internal/call.CallAnalyzer) on the call's joiner goroutine. It
// owns its per-call state (one timeline); nothing else touches it, so it has no locks.
// It reads vad events (both parties) and final transcript events (words for pace), and
// ignores the dynamics and alert events it emits itself.
//
// The two parties' vad events come from two goroutines, so one party's events can lag the
// other's a little. The timeline therefore only settles up to the media time both parties
// have reported (a watermark); a party silent on the wire for longer than Config.MaxSkew
// stops holding it back.
package dynamics
