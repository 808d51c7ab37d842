package emotion

import "errors"

var (
	// ErrModel is returned for a model file that is not a usable emotion model.
	ErrModel = errors.New("invalid emotion model")
	// ErrCorpus is returned for a corpus folder or manifest that cannot be used.
	ErrCorpus = errors.New("invalid corpus")
	// ErrUsage is returned for bad command-line arguments.
	ErrUsage = errors.New("usage")
)
