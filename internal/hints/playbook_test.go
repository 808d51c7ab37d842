package hints

import (
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
