package server

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/undertone/undertone/internal/asr"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/hints"
	"github.com/undertone/undertone/internal/ingest/audiosocket"
	"github.com/undertone/undertone/internal/transcript"
)

// The node describes its own HTTP API as OpenAPI 3 (GET /v1/openapi.json, and
// internal/server/openapi.json in the repository): every route, request and answer body,
// and every websocket event type with its payload. Bodies and payloads are derived from
// the Go types that produce them, so the document cannot drift from the code; a test
// fails when a mounted route has no entry here or the committed file is stale.

// apiRoute documents one route.
type apiRoute struct {
	Pattern string // as mounted: "METHOD /path/{param}"
	Summary string
	Desc    string
	Auth    string   // who may call it
	Query   []param  // query parameters
	Body    any      // a value of the request body's type (JSON), or nil
	BodyCT  string   // request content type when not JSON
	OK      int      // success status
	Answer  any      // a value of the answer's type (JSON), or nil
	AnswerT string   // answer content type when not JSON
	Errors  []int    // error statuses it may answer
	WS      bool     // a websocket: the answer is a stream of Event messages
	Tags    []string //
}

type param struct{ Name, Desc string }

var (
	callParams = []param{{"state", "live, ended or interrupted"}, {"agent", "agent id"}, {"team", "team"},
		{"queue", "queue"}, {"from", "start time ≥ (RFC 3339 or YYYY-MM-DD, UTC)"}, {"to", "start time <"},
		{"q", "text in the id, metadata or the (redacted) transcripts"}, {"limit", "page size (≤ 500)"},
		{"cursor", "next_cursor of the previous page"}}
	meta = []param{{"agent", "agent the call is routed to (agent tokens see only theirs)"},
		{"team", "the agent's team (supervisor scope)"}, {"queue", "queue or skill"},
		{"lang", "the caller's language, BCP 47 (nl, nl-NL, en-GB): picks the recogniser"},
		{"playbook", "hint sectors, comma-separated (banking, energy, insurance, public_services, telecom)"}}
)

// apiRoutes is the node's API. Keep it in the order of the README's endpoint tables.
var apiRoutes = []apiRoute{
	{Pattern: "GET /healthz", Summary: "Liveness", Auth: "public", OK: 200, AnswerT: "text/plain", Tags: []string{"ops"}},
	{Pattern: "GET /readyz", Summary: "Readiness: 503 while draining or while the store cannot write", Auth: "public", OK: 200,
		AnswerT: "text/plain", Errors: []int{503}, Tags: []string{"ops"}},
	{Pattern: "GET /metrics", Summary: "Prometheus metrics", Auth: "integrator, supervisor, admin", OK: 200,
		AnswerT: "text/plain", Errors: []int{401, 403}, Tags: []string{"ops"}},
	{Pattern: "GET /v1/openapi.json", Summary: "This document", Auth: "any token", OK: 200, Answer: map[string]any{},
		Errors: []int{401}, Tags: []string{"ops"}},
	{Pattern: "GET /debug/pprof/", Summary: "Go profiles (only with pprof: true; off by default)", Auth: "admin", OK: 200,
		AnswerT: "text/html", Errors: []int{401, 403}, Tags: []string{"ops"}},
	{Pattern: "GET /debug/pprof/cmdline", Summary: "pprof: command line (pprof: true)", Auth: "admin", OK: 200, AnswerT: "text/plain", Tags: []string{"ops"}},
	{Pattern: "GET /debug/pprof/profile", Summary: "pprof: CPU profile (pprof: true)", Auth: "admin", OK: 200, AnswerT: "application/octet-stream", Tags: []string{"ops"}},
	{Pattern: "GET /debug/pprof/symbol", Summary: "pprof: symbols (pprof: true)", Auth: "admin", OK: 200, AnswerT: "text/plain", Tags: []string{"ops"}},
	{Pattern: "GET /debug/pprof/trace", Summary: "pprof: execution trace (pprof: true)", Auth: "admin", OK: 200, AnswerT: "application/octet-stream", Tags: []string{"ops"}},
	{Pattern: "GET /", Summary: "The pages (index, softphone, agent desk, wallboard)", Auth: "public (the pages ask for a token)",
		OK: 200, AnswerT: "text/html", Tags: []string{"pages"}},

	{Pattern: "POST /v1/whip", Summary: "WHIP (RFC 9725): publish call audio over WebRTC",
		Desc: "An SDP offer (Opus or PCMU/PCMA, audio only, bundled or a single unbundled section) opens the call " +
			"named by call= (or a new one: X-Undertone-Call answers its id) or adds a party to a live call this " +
			"integrator opened. An ended call's id is never reused (409). Answer: the SDP answer, Location of the session.",
		Auth: "integrator, admin", Query: append([]param{{"call", "call id (1–128 of [A-Za-z0-9-_.:])"},
			{"party", "customer or agent (one track); else the stream ids name the parties"}}, meta...),
		BodyCT: "application/sdp", OK: 201, AnswerT: "application/sdp", Errors: []int{400, 401, 403, 409, 413, 415, 429, 503},
		Tags: []string{"ingest"}},
	{Pattern: "DELETE /v1/whip/{session}", Summary: "Hang up a WHIP session (its publisher or an admin)", Auth: "integrator, admin",
		OK: 200, Errors: []int{401, 403, 404}, Tags: []string{"ingest"}},
	{Pattern: "PATCH /v1/whip/{session}", Summary: "Trickle ICE: not supported (405); the answer carries all candidates",
		Auth: "public", OK: 405, Tags: []string{"ingest"}},
	{Pattern: "OPTIONS /v1/whip", Summary: "WHIP discovery", Auth: "public", OK: 204, Tags: []string{"ingest"}},
	{Pattern: "GET /v1/media/twilio", Summary: "Twilio Media Streams (websocket)",
		Desc: "Token as Authorization: Bearer, ?token= or customParameters.token. customParameters call, agent, " +
			"team, queue, lang and playbook set the call's metadata. Inbound track = customer, outbound = agent.",
		Auth: "integrator, admin", OK: 101, Errors: []int{400, 401}, Tags: []string{"ingest"}},
	{Pattern: "GET /v1/media/audiohook", Summary: "Genesys AudioHook (websocket)",
		Desc: "X-API-KEY is an integrator token; signatures required when audiohook_secret is set. The open " +
			"message's language, and agent/team/queue/playbook from inputVariables or customConfig, set the metadata.",
		Auth: "integrator, admin", OK: 101, Errors: []int{401, 429}, Tags: []string{"ingest"}},
	{Pattern: "POST /v1/audiosocket/bindings", Summary: "Bind an Asterisk AudioSocket UUID to a call, party and metadata",
		Auth: "integrator, admin", Body: audiosocket.Binding{}, OK: 201, Answer: map[string]any{},
		Errors: []int{400, 401, 403, 429, 503}, Tags: []string{"ingest"}},
	{Pattern: "POST /v1/calls/{id}/transcript", Summary: "A transcript segment from the integrator's own recogniser",
		Desc: "Only the integrator that opened the call (or an admin). Partials share a segment with their final; " +
			"identifying numbers are redacted before anything is emitted or stored. 503 when the store cannot keep it.",
		Auth: "integrator, admin", Body: transcript.Request{}, OK: 202, Answer: transcript.Response{},
		Errors: []int{400, 401, 403, 404, 409, 413, 415, 503}, Tags: []string{"assist"}},
	{Pattern: "POST /v1/calls/{id}/hints/{hint}/feedback", Summary: "Rate a hint: useful, not_useful or used",
		Desc: "Up to 10 minutes after the call ends. Agents rate their own calls' hints.", Auth: "agent (own calls), supervisor, admin",
		Body: hints.FeedbackRequest{}, OK: 202, Answer: hints.FeedbackResponse{}, Errors: []int{400, 401, 403, 404, 410, 503},
		Tags: []string{"assist"}},

	{Pattern: "GET /v1/me", Summary: "Who the credential belongs to (role, agent, teams)", Auth: "any token", OK: 200,
		Answer: map[string]any{}, Errors: []int{401}, Tags: []string{"calls"}},
	{Pattern: "GET /v1/calls", Summary: "Search calls, newest first (live ones with their current state)",
		Auth: "agent (own calls), supervisor (their teams), admin", Query: callParams, OK: 200, Answer: map[string]any{},
		Errors: []int{400, 401, 403, 503}, Tags: []string{"calls"}},
	{Pattern: "GET /v1/calls/{id}", Summary: "One call, live or stored; an ended call carries its summary",
		Auth: "agent (own calls), supervisor (their teams), admin", OK: 200, Answer: call.Info{}, Errors: []int{400, 401, 403, 404, 503},
		Tags: []string{"calls"}},
	{Pattern: "GET /v1/calls/{id}/timeline", Summary: "Emotions, transcripts (redacted), intents, hints with feedback, and the summary",
		Auth: "agent (own calls), supervisor (their teams), admin", OK: 200, Answer: map[string]any{}, Errors: []int{401, 403, 404, 503},
		Tags: []string{"calls"}},
	{Pattern: "GET /v1/calls/{id}/export", Summary: "The timeline as a file", Auth: "agent (own calls), supervisor, admin",
		Query: []param{{"format", "json or csv"}}, OK: 200, AnswerT: "text/csv", Errors: []int{400, 401, 403, 404, 503}, Tags: []string{"calls"}},
	{Pattern: "GET /v1/calls/export", Summary: "A search as a file (up to 50 000 calls)", Auth: "agent (own calls), supervisor, admin",
		Query: append([]param{{"format", "csv or json"}}, callParams...), OK: 200, AnswerT: "text/csv",
		Errors: []int{400, 401, 403, 503}, Tags: []string{"calls"}},
	{Pattern: "GET /v1/ws/calls/{id}", Summary: "One call's events (websocket)",
		Desc: "Events as JSON, one per message (see the Event schema). since=SEQ replays what the node holds. A call " +
			"that has not started yet is waited for (call_wait, 60 s; close 4404 if it never starts); a viewer it is not " +
			"assigned to is closed with 4403 when it starts. An ended call the node no longer holds sends its call.ended " +
			"and closes 4410. 1013: too slow, reconnect with since.",
		Auth: "agent (own calls), supervisor (their teams), admin", Query: []param{{"since", "sequence number"}}, OK: 101,
		Errors: []int{400, 401, 403, 429}, WS: true, Tags: []string{"live"}},
	{Pattern: "GET /v1/ws/agent", Summary: "The agent desk: every call routed to one agent, as calls come and go (websocket)",
		Auth: "agent (own agent), supervisor (their teams), admin", Query: []param{{"agent", "agent id (supervisors, admins)"}},
		OK: 101, Errors: []int{400, 401, 403, 429}, WS: true, Tags: []string{"live"}},
	{Pattern: "GET /v1/ws/calls", Summary: "The wallboard stream: every call's lifecycle, call.status (≤ 1/s), alerts, hints (websocket)",
		Auth: "supervisor (their teams), admin", OK: 101, Errors: []int{401, 403, 429}, WS: true, Tags: []string{"live"}},
	{Pattern: "GET /v1/trends", Summary: "Emotion and hint statistics per hour or day",
		Auth: "supervisor (their teams), admin", Query: []param{{"bucket", "hour or day"}, {"by", "queue, team or agent"},
			{"from", "start"}, {"to", "end"}, {"queue", "filter"}, {"team", "filter"}, {"agent", "filter"}},
		OK: 200, Answer: map[string]any{}, Errors: []int{400, 401, 403, 503}, Tags: []string{"supervision"}},
	{Pattern: "GET /v1/hints/usefulness", Summary: "Per hint rule: raised, useful, not useful, used (titles in Dutch and English)",
		Auth: "supervisor, admin", Query: []param{{"from", "start"}, {"to", "end"}}, OK: 200, Answer: map[string]any{},
		Errors: []int{400, 401, 403, 503}, Tags: []string{"supervision"}},
	{Pattern: "GET /v1/tokens", Summary: "List stored tokens (never the tokens themselves)", Auth: "admin", OK: 200,
		Answer: map[string]any{}, Errors: []int{401, 403, 503}, Tags: []string{"admin"}},
	{Pattern: "POST /v1/tokens", Summary: "Create a token; the answer shows it once", Auth: "admin", Body: map[string]any{},
		OK: 201, Answer: map[string]any{}, Errors: []int{400, 401, 403, 503}, Tags: []string{"admin"}},
	{Pattern: "DELETE /v1/tokens/{id}", Summary: "Revoke a token (refused everywhere within 2 s)", Auth: "admin", OK: 204,
		Errors: []int{401, 403, 404, 503}, Tags: []string{"admin"}},
	{Pattern: "POST /v1/session", Summary: "Trade the Authorization token for an HttpOnly, SameSite=Strict session cookie",
		Auth: "any token", OK: 200, Answer: map[string]any{}, Errors: []int{401, 429}, Tags: []string{"pages"}},
	{Pattern: "DELETE /v1/session", Summary: "End the browser session", Auth: "public", OK: 204, Tags: []string{"pages"}},
}

// eventTypes are the websocket event types and the Go types of their data.
var eventTypes = []struct {
	Type string
	Data any
	Desc string
}{
	{event.CallStarted, event.CallInfo{}, "a call started (meta: agent, team, queue, lang, playbook, protocol ids)"},
	{event.PartyJoined, map[string]string{}, "a party's audio arrived (data.codec)"},
	{event.Level, event.LevelData{}, "level of a party, ≤ 10/s"},
	{event.Pitch, event.PitchData{}, "pitch of a party, ≤ 10/s"},
	{event.VAD, event.VADData{}, "voice activity of a party, at once on a change"},
	{event.Emotion, event.EmotionData{}, "emotion of a party's utterance (or its last 2 s during a long turn)"},
	{event.Dynamics, event.DynamicsData{}, "the conversation's shape, ≤ 1/s"},
	{event.Transcript, event.TranscriptData{}, "a transcript segment (partial or final, redacted)"},
	{asr.StatusEvent, asr.StatusData{}, "whether the call gets embedded transcripts, and why not"},
	{event.Intent, event.IntentData{}, "intent and underlying needs of an utterance"},
	{event.Hint, event.HintData{}, "a vraag-achter-de-vraag hint with evidence and phrasing in Dutch and English"},
	{event.HintFeedback, event.HintFeedbackData{}, "an agent rated a hint"},
	{event.Alert, event.AlertData{}, "something a supervisor should see now"},
	{event.CallStatus, event.StatusData{}, "the wallboard's view of a call (risk and why), ≤ 1/s"},
	{event.CallEnded, event.CallInfo{}, "a call ended; data.summary is the after-call summary"},
}

// OpenAPI returns the node's API description.
func OpenAPI(version string) []byte {
	g := &schemaGen{defs: map[string]any{}}
	paths := map[string]map[string]any{}
	for _, r := range apiRoutes {
		method, path, _ := strings.Cut(r.Pattern, " ")
		op := map[string]any{"summary": r.Summary, "tags": r.Tags, "x-auth": r.Auth}
		if r.Desc != "" {
			op["description"] = r.Desc
		}
		var params []any
		for _, seg := range strings.Split(path, "/") {
			if strings.HasPrefix(seg, "{") {
				params = append(params, map[string]any{"name": strings.Trim(seg, "{}"), "in": "path", "required": true,
					"schema": map[string]any{"type": "string"}})
			}
		}
		for _, q := range r.Query {
			params = append(params, map[string]any{"name": q.Name, "in": "query", "description": q.Desc,
				"schema": map[string]any{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		switch {
		case r.Body != nil:
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(r.Body))}}}
		case r.BodyCT != "":
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				r.BodyCT: map[string]any{"schema": map[string]any{"type": "string"}}}}
		}
		resps := map[string]any{}
		ok := map[string]any{"description": r.Summary}
		switch {
		case r.WS:
			ok["description"] = "switching to a websocket: a stream of Event messages"
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Event"}}}
		case r.Answer != nil:
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(r.Answer))}}
		case r.AnswerT != "":
			ok["content"] = map[string]any{r.AnswerT: map[string]any{"schema": map[string]any{"type": "string"}}}
		}
		resps[itoa(r.OK)] = ok
		for _, code := range r.Errors {
			resps[itoa(code)] = map[string]any{"description": http.StatusText(code),
				"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
		}
		op["responses"] = resps
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(method)] = op
	}
	mapping := map[string]any{}
	var oneOf []any
	for _, e := range eventTypes {
		name := "Event_" + strings.NewReplacer(".", "_").Replace(e.Type)
		g.defs[name] = map[string]any{"description": e.Desc, "allOf": []any{
			map[string]any{"$ref": "#/components/schemas/EventEnvelope"},
			map[string]any{"type": "object", "properties": map[string]any{
				"type": map[string]any{"type": "string", "enum": []string{e.Type}},
				"data": g.schema(reflect.TypeOf(e.Data))}}}}
		mapping[e.Type] = "#/components/schemas/" + name
		oneOf = append(oneOf, map[string]any{"$ref": "#/components/schemas/" + name})
	}
	g.defs["Event"] = map[string]any{"oneOf": oneOf, "discriminator": map[string]any{"propertyName": "type", "mapping": mapping}}
	g.defs["EventEnvelope"] = g.schema(reflect.TypeOf(event.Event{}))
	g.defs["Error"] = map[string]any{"type": "object", "properties": map[string]any{"error": map[string]any{"type": "string"}}}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "Undertone", "version": version,
			"description": "Real-time speech emotion analytics and agent assist. Every route but /healthz, /readyz and " +
				"the pages needs Authorization: Bearer <token> (websockets and page loads also take ?token= or the " +
				"session cookie)."},
		"paths":      paths,
		"components": map[string]any{"schemas": g.defs, "securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}}},
		"security":   []any{map[string]any{"bearer": []any{}}},
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	return append(b, '\n')
}

// schemaGen turns Go types into JSON schemas, named structs into components (a name two
// packages share is qualified by the package: asr_StatusData beside StatusData).
type schemaGen struct {
	defs  map[string]any
	names map[string]reflect.Type
}

func (g *schemaGen) name(t reflect.Type) string {
	if g.names == nil {
		g.names = map[string]reflect.Type{}
	}
	name := t.Name()
	if other, ok := g.names[name]; ok && other != t {
		pkg := t.PkgPath()
		name = pkg[strings.LastIndex(pkg, "/")+1:] + "_" + name
	}
	g.names[name] = t
	return name
}

var timeType = reflect.TypeOf(time.Time{})

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.Struct:
		if t.Name() == "" {
			return g.object(t)
		}
		name := g.name(t)
		if _, ok := g.defs[name]; !ok {
			g.defs[name] = map[string]any{} // placeholder against recursion
			g.defs[name] = g.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case t.Kind() == reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case t.Kind() == reflect.String:
		return map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		return map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return map[string]any{"type": "integer"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return map[string]any{"type": "number"}
	}
	return map[string]any{} // any
}

func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := g.schema(f.Type)
		if strings.Contains(opts, "omitempty") {
			s = map[string]any{"allOf": []any{s}, "description": "omitted when empty"}
		}
		props[name] = s
	}
	return map[string]any{"type": "object", "properties": props}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
