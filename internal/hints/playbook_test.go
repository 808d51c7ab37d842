package hints

import (
	"strings"
	"testing"

	"github.com/undertone/undertone/models"
)

func TestShippedPlaybooksAreValid(t *testing.T) {
	pbs, err := LoadFS(models.FS, "playbooks")
	if err != nil {
		t.Fatal(err)
	}
	for _, pb := range pbs {
		t.Logf("%s: %d rules", pb.Name, len(pb.Rules))
	}
}

func TestSelect(t *testing.T) {
	pbs, err := LoadFS(models.FS, "playbooks")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Select(pbs, ""); err != nil || len(got) != len(pbs) {
		t.Errorf("empty: %d playbooks, %v", len(got), err)
	}
	got, err := Select(pbs, " Telecom, energy,telecom")
	if err != nil || len(got) != 2 || got[0].Name != "telecom" || got[1].Name != "energy" {
		t.Errorf("telecom,energy: %v", err)
	}
	if _, err := Select(pbs, "energy,telcom"); err == nil || !strings.Contains(err.Error(), `"telcom"`) ||
		!strings.Contains(err.Error(), "public_services") {
		t.Errorf("typo: %v", err)
	}
	if _, err := Select(pbs, " , "); err == nil {
		t.Error("no names accepted")
	}
}
