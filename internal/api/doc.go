// Package api is undertone's HTTP surface: health and metrics, WHIP ingest, call listings,
// the per-call event websocket and the embedded web pages. It authenticates every route but
// health, checks the principal's role against the call, limits request bodies and turns
// errors into clear 4xx answers; the components behind it never see HTTP details.
package api
