package hints

// The public ids of ../shared/TAXONOMY.md that playbooks may name.
var (
	intents = set("billing_question", "unexpected_charge", "payment_problem", "payment_arrangement",
		"refund_request", "cancel_contract", "change_plan", "delivery_status", "appointment",
		"outage_or_fault", "card_lost_or_stolen", "fraud_or_security", "account_access",
		"personal_details", "moving", "claim_status", "complaint", "information_request",
		"speak_to_manager", "thanks_goodbye", "out_of_scope")
	needs = set("urgency", "financial_strain", "distrust", "repeat_contact", "churn_risk",
		"vulnerability", "security_worry", "confusion", "recognition")
	emotions   = set("neutral", "angry", "happy", "sad", "fearful")
	priorities = map[string]int{"low": 1, "medium": 2, "high": 3}
	langs      = set("nl", "en", "any")
)

func set(s ...string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, v := range s {
		m[v] = true
	}
	return m
}
