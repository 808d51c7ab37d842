package server

import (
	"github.com/undertone/undertone/internal/hints"
	"github.com/undertone/undertone/models"
)

// hintEngine compiles the hint engine for serve from the playbooks shipped in the
// binary (models/playbooks), keeping the sectors named in active (comma-separated, e.g.
// "energy,telecom"; empty: all) and the general rules. sectors maps a call's queue or
// team to its sector playbooks (config hints.sectors); a call's meta "playbook" wins,
// and a call with no sector gets the general rules only. lang is the node's default call language: hints of calls whose
// transcripts name none are in it when it is nl or en (else Dutch). The engine is one
// CallAnalyzerFactory (after the intent stage) and the record of hints that
// POST /v1/calls/{id}/hints/{hint}/feedback checks against.
func hintEngine(active, lang string, sectors map[string]string) (*hints.Engine, error) {
	pbs, err := hints.LoadFS(models.FS, "playbooks")
	if err != nil {
		return nil, err
	}
	if pbs, err = hints.Select(pbs, active); err != nil {
		return nil, err
	}
	cfg := hints.Config{Playbooks: pbs, Sectors: sectors}
	if lang == "nl" || lang == "en" {
		cfg.DefaultLang = lang
	}
	return hints.New(cfg)
}
