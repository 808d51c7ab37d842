package store

import "errors"

var (
	// ErrNotFound is returned when a call or token does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalid is returned for a record that cannot be stored as given (empty id,
	// unknown state or rating, …).
	ErrInvalid = errors.New("invalid record")
	// ErrExists is returned by CallStarted for an id an earlier call already has.
	ErrExists = errors.New("already exists")
	// ErrNoBackend is returned by Open when no registered backend accepts the DSN.
	ErrNoBackend = errors.New("no store backend")
	// ErrClosed is returned by a store or recorder used after Close.
	ErrClosed = errors.New("store closed")
)
