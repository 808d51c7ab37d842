// Package hints is the "vraag achter de vraag" engine: playbooks (YAML data files that CX
// leads edit, one per sector, Dutch and English) whose rules combine intents, underlying
// needs, words, the customer's emotion state and trajectory and the conversation's
// dynamics into hints for the agent — the need behind the question, a suggested phrasing,
// and the evidence the rule matched on — with cooldowns and de-duplication so the agent
// is helped, not flooded.
//
// Stage: a call analyzer (internal/call.CallAnalyzer) on the call's joiner goroutine,
// downstream of transcripts, intents (internal/transcript), emotion and dynamics. It owns
// its per-call state; playbooks are loaded once by main, validated, and shared read-only.
// The feedback route (POST /v1/calls/{id}/hints/{hint}/feedback, feedback.go) accepts
// ratings only for hints the engine raised on that call, while it is live and for
// Config.FeedbackWindow after it ends, and emits hint.feedback events on the call's
// stream; storing them and aggregating usefulness per rule is the store's job.
//
// Playbook schema: see models/playbooks/README.md. `undertone playbook check FILE` runs
// CheckCommand.
package hints
