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
	if err != nil || len(got) != 3 || got[0].Name != "telecom" || got[1].Name != "energy" || got[2].Name != GeneralPlaybook {
		t.Errorf("telecom,energy: %d playbooks, %v (want telecom, energy and the general rules)", len(got), err)
	}
	if _, err := Select(pbs, "energy,telcom"); err == nil || !strings.Contains(err.Error(), `"telcom"`) ||
		!strings.Contains(err.Error(), "public_services") {
		t.Errorf("typo: %v", err)
	}
	if _, err := Select(pbs, " , "); err == nil {
		t.Error("no names accepted")
	}
}

// TestPlaceholdersAreNotWords: a redaction placeholder never matches a playbook phrase.
func TestPlaceholdersAreNotWords(t *testing.T) {
	if got := normalize("mijn IBAN is [IBAN], bel [PHONE]"); strings.Join(got, " ") != "mijn iban is bel" {
		t.Errorf("normalize = %q", got)
	}
	if compilePhrase("phone").in(normalize("call me on [PHONE] please")) {
		t.Error(`"phone" matched a [PHONE] placeholder`)
	}
}
