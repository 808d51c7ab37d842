// Package api is undertone's HTTP surface: health and metrics, WHIP ingest, call search,
// the per-call and all-calls event websockets, the history read from the store (timelines,
// trends, hint usefulness, CSV/JSON exports), token administration, browser sessions and
// the embedded web pages. It authenticates every route but health and the pages, checks
// the principal's role against the call (an agent's own calls, a supervisor's teams),
// limits request bodies and turns errors into clear 4xx answers; the components behind it
// never see HTTP details.
package api
