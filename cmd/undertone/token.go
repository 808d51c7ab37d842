package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/undertone/undertone/internal/api"
	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/cli"
	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/store"
)

const tokenUsage = `Usage:
  undertone token create --role ROLE [--agent ID] [--team T[,T…]] [--name N] [--expires 720h] [store flags]
  undertone token list [store flags]
  undertone token revoke ID [store flags]

create prints the new token on stdout, once: only its SHA-256 is stored.
Store flags: --data-dir DIR (SQLite in DIR/undertone.db) or --store DSN (postgres://…),
defaulting to UNDERTONE_STORE / UNDERTONE_DATA_DIR like serve.
`

// runToken administers the store's API tokens: a running server accepts a new token at
// once and stops accepting a revoked one within its cache lifetime (2 s).
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			fmt.Fprint(stderr, tokenUsage)
			return flag.ErrHelp
		}
		return cli.Usage("token", "want create, list or revoke")
	}
	sub, args := args[0], args[1:]
	if sub != "create" && sub != "list" && sub != "revoke" {
		return cli.Usage("token", "unknown subcommand %q: want create, list or revoke", sub)
	}
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	def := config.Default()
	dataDir := fs.String("data-dir", envOr("UNDERTONE_DATA_DIR", def.DataDir), "data directory of the SQLite store")
	dsn := fs.String("store", os.Getenv("UNDERTONE_STORE"), "store DSN (postgres://…); default SQLite in --data-dir")
	var req api.TokenRequest
	if sub == "create" {
		fs.StringVar(&req.Role, "role", "", "integrator, agent, supervisor or admin (required)")
		fs.StringVar(&req.Agent, "agent", "", "agent id an agent token is bound to (required for agents)")
		fs.Func("team", "team a supervisor (or agent) token is scoped to; repeat or comma-separate", func(v string) error {
			for _, t := range strings.Split(v, ",") {
				if t = strings.TrimSpace(t); t != "" {
					req.Teams = append(req.Teams, t)
				}
			}
			return nil
		})
		fs.StringVar(&req.Name, "name", "", "a label for logs and the token list")
		fs.StringVar(&req.Expires, "expires", "", "lifetime such as 720h; empty = never expires")
	}
	pos, err := cli.Parse(fs, args, strings.TrimSpace(tokenUsage), stderr)
	if err != nil {
		return err
	}
	switch {
	case sub == "revoke" && len(pos) != 1:
		return cli.Usage("token", "revoke wants exactly one token id (see token list)")
	case sub != "revoke" && len(pos) != 0:
		return cli.Usage("token", "%s: unexpected argument %q", sub, pos[0])
	}
	var role auth.Role
	var ttl time.Duration
	if sub == "create" {
		if role, ttl, err = req.Validate(); err != nil {
			return fmt.Errorf("token create: %w", err)
		}
	}

	if *dsn == "" {
		// The data dir must be the server's: a typo must not silently make an empty
		// store whose tokens no server ever reads.
		if st, err := os.Stat(*dataDir); err != nil || !st.IsDir() {
			return fmt.Errorf("token: data dir %q does not exist (the server's --data-dir; start serve once to create it)", *dataDir)
		}
		*dsn = filepath.Join(*dataDir, "undertone.db")
	}
	st, err := store.Open(ctx, *dsn)
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	defer st.Close()

	switch sub {
	case "create":
		tok, t := auth.NewToken(role, req.Agent, req.Teams, req.Name, ttl, time.Now())
		if err := st.CreateToken(ctx, t); err != nil {
			return fmt.Errorf("token create: %w", err)
		}
		fmt.Fprintln(stdout, tok)
		exp := "never"
		if !t.ExpiresAt.IsZero() {
			exp = t.ExpiresAt.Format(time.RFC3339)
		}
		fmt.Fprintf(stderr, "created %s (role %s, agent %q, teams %q, expires %s); the token above is not shown again\n",
			t.ID, t.Role, t.Agent, strings.Join(t.Teams, ","), exp)
	case "list":
		ts, err := st.ListTokens(ctx)
		if err != nil {
			return fmt.Errorf("token list: %w", err)
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tROLE\tAGENT\tTEAMS\tNAME\tCREATED\tEXPIRES\tSTATUS")
		now := time.Now()
		for _, t := range ts {
			status := "valid"
			switch {
			case !t.RevokedAt.IsZero():
				status = "revoked " + t.RevokedAt.Format(time.RFC3339)
			case !t.Valid(now):
				status = "expired"
			}
			exp := "never"
			if !t.ExpiresAt.IsZero() {
				exp = t.ExpiresAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Role, dash(t.Agent), dash(strings.Join(t.Teams, ",")),
				dash(t.Name), t.CreatedAt.Format(time.RFC3339), exp, status)
		}
		return tw.Flush()
	case "revoke":
		if err := st.RevokeToken(ctx, pos[0], time.Now()); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("token revoke: no token %q (see token list)", pos[0])
			}
			return fmt.Errorf("token revoke: %w", err)
		}
		fmt.Fprintf(stderr, "revoked %s\n", pos[0])
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
