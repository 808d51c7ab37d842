// Package logx holds the slog handlers every log path of a node goes through: Redact
// keeps credentials out of log lines (whoever sent them, whatever library logs them) and
// bounds how much of a value a line carries; Limit bounds how often one kind of warning
// or error is written per source, so a flood of garbage from the network costs a few
// lines, not megabytes.
//
// Stage: the edge of every component that logs. main wraps the process's handler with
// Wrap once; packages that hand a logger to a third-party library that logs raw input
// (sipgo) wrap it again for themselves, so they are safe with any logger they are given.
package logx
