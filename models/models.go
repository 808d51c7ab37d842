// Package models holds the trained model files and playbooks that ship inside the
// undertone binary, each with a provenance card (corpus, licence, date, command, scores).
// Nothing here is downloaded at run time.
package models

import "embed"

// FS is the bundled model tree: emotion/, intent/ and playbooks/.
//
//go:embed all:emotion all:intent all:playbooks
var FS embed.FS
