package server

import "testing"

func TestHintEngine(t *testing.T) {
	e, err := hintEngine("", "en")
	if err != nil || e.Rules() < 50 {
		t.Fatalf("all playbooks: %v", err)
	}
	if e, err := hintEngine("energy", "nl"); err != nil || e.Rules() != 11 {
		t.Errorf("energy: %v", err)
	}
	if _, err := hintEngine("energie", ""); err == nil {
		t.Error("unknown sector accepted")
	}
}
