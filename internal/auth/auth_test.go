package auth

import (
	"errors"
	"testing"
)

func TestParseTokensAndAuthenticate(t *testing.T) {
	s, err := ParseTokens("integrator:int-token-1, agent:agent-token-1:A17 ,supervisor:sup-token-1,admin:adm-token-1")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Authenticate("agent-token-1")
	if err != nil || p.Role != AgentRole || p.Agent != "A17" {
		t.Fatalf("agent token: %+v %v", p, err)
	}
	if _, err := s.Authenticate("nope-nope-nope"); !errors.Is(err, ErrToken) {
		t.Fatalf("unknown token: %v", err)
	}
	if _, err := s.Authenticate(""); !errors.Is(err, ErrNoToken) {
		t.Fatalf("empty token: %v", err)
	}
	for _, bad := range []string{"root:abcdefghij", "agent", "agent:short", "a:b:c:d"} {
		if _, err := ParseTokens(bad); err == nil {
			t.Errorf("ParseTokens(%q) accepted", bad)
		}
	}
}

func TestRoleMatrix(t *testing.T) {
	agent := Principal{Role: AgentRole, Agent: "A17"}
	cases := []struct {
		p         Principal
		a         Action
		callAgent string
		want      bool
	}{
		{Principal{Role: Integrator}, Ingest, "", true},
		{Principal{Role: Integrator}, ViewCall, "", false},
		{Principal{Role: Integrator}, ViewAll, "", false},
		{agent, ViewCall, "A17", true},
		{agent, ViewCall, "B02", false},
		{agent, ViewCall, "", false}, // an unassigned call is nobody's
		{agent, ListCalls, "", true}, // the list is narrowed to their calls
		{agent, Feedback, "B02", false},
		{Principal{Role: AgentRole}, ViewCall, "", true}, // unbound (development) agent tokens
		{Principal{Role: Supervisor, Teams: []string{"red"}}, ViewCall, "B02", true},
		{agent, Ingest, "A17", false},
		{agent, ViewAll, "", false},
		{agent, Metrics, "", false},
		{Principal{Role: Supervisor}, ViewCall, "B02", true},
		{Principal{Role: Supervisor}, ViewAll, "", true},
		{Principal{Role: Supervisor}, Ingest, "", false},
		{Principal{Role: Supervisor}, Administer, "", false},
		{Principal{Role: Admin}, Administer, "", true},
		{Principal{Role: Admin}, Ingest, "", true},
		{Principal{}, ViewCall, "", false},
	}
	for _, c := range cases {
		if got := c.p.Can(c.a, c.callAgent); got != c.want {
			t.Errorf("%+v Can(%d, %q) = %v, want %v", c.p, c.a, c.callAgent, got, c.want)
		}
	}
}

func TestSeesCall(t *testing.T) {
	red := Principal{Role: Supervisor, Teams: []string{"red"}}
	cases := []struct {
		p           Principal
		agent, team string
		want        bool
	}{
		{red, "A1", "red", true},
		{red, "A1", "blue", false},
		{red, "A1", "", false}, // a call with no team is outside every team scope
		{Principal{Role: Supervisor}, "A1", "blue", true},
		{Principal{Role: AgentRole, Agent: "A1", Teams: []string{"blue"}}, "A1", "red", true}, // agents: their calls
		{Principal{Role: AgentRole, Agent: "A1"}, "A2", "red", false},
		{Principal{Role: Admin, Teams: []string{"red"}}, "A1", "blue", true},
		{Principal{Role: Integrator}, "", "", false},
	}
	for _, c := range cases {
		if got := c.p.SeesCall(c.agent, c.team); got != c.want {
			t.Errorf("%+v SeesCall(%q, %q) = %v, want %v", c.p, c.agent, c.team, got, c.want)
		}
	}
}

func TestParseTokensTeams(t *testing.T) {
	s, err := ParseTokens("supervisor:sup-token-22::red|blue, agent:agent-token-2:A2:red")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := s.Authenticate("sup-token-22"); err != nil || p.Agent != "" || len(p.Teams) != 2 || !p.InTeams("blue") {
		t.Errorf("supervisor: %+v %v", p, err)
	}
	if p, err := s.Authenticate("agent-token-2"); err != nil || p.Agent != "A2" || len(p.Teams) != 1 {
		t.Errorf("agent: %+v %v", p, err)
	}
	for _, bad := range []string{"supervisor:sup-token-22:A1", "admin:a:b:c:d", "agent:short"} {
		if _, err := ParseTokens(bad); !errors.Is(err, ErrSpec) {
			t.Errorf("%q: %v, want ErrSpec", bad, err)
		}
	}
}
