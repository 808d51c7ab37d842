// Package web holds Undertone's browser pages — the index, the softphone that publishes a
// microphone over WHIP, the agent view of one call's live cues, the agent desk that
// follows every call routed to an agent, and the supervisor wallboard — as plain HTML, CSS
// and JavaScript, embedded into the binary. There is no build step: edit a file, rebuild.
//
// The pages take the bearer token from the query string (?token=…) and send it as an
// Authorization header on HTTP requests and as ?token= on websockets. They are served at
// the root of the API's mux (http.FileServerFS(web.FS)), so they share the API's origin.
package web

import "embed"

// FS holds the pages at its root: index.html, softphone.html, agent.html, the shared
// style.css, the JavaScript modules and vendor/uplot (uPlot, MIT, from `make vendor-web`).
//
//go:embed *.html *.css *.js vendor/uplot
var FS embed.FS
