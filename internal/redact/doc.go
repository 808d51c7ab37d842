// Package redact removes numbers that identify people or money from transcript text before
// it is stored or shown to supervisors: IBANs (Dutch NLxx and other countries, mod-97),
// payment card numbers (Luhn), phone numbers (Dutch and international), Dutch BSNs
// (11-proef) and, optionally, money amounts.
//
// Stage: transcripts, between the recogniser (or integrator) and the event stream. Redact is
// a pure function with no state; it is safe for concurrent use and allocates only for the
// result. Spans are byte offsets into the input so the caller can report what was removed
// without keeping the number itself.
package redact
