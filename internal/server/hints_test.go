package server

import "testing"

func TestHintEngine(t *testing.T) {
	e, err := hintEngine("", "en", nil)
	if err != nil || e.Rules() < 50 {
		t.Fatalf("all playbooks: %v", err)
	}
	if e, err := hintEngine("energy", "nl", map[string]string{"energie": "energy"}); err != nil || e.Rules() != 11+14 {
		t.Errorf("energy and the general rules: %v", err)
	}
	if _, err := hintEngine("energie", "", nil); err == nil {
		t.Error("unknown sector accepted")
	}
	if _, err := hintEngine("energy", "", map[string]string{"mobiel": "telecom"}); err == nil {
		t.Error("a queue mapped to a playbook that is not loaded accepted")
	}
}
