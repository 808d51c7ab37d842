package hints

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// CheckCommand runs `undertone playbook check FILE|DIR…`: it validates each playbook and
// prints "FILE: ok (N rules)" or one line per problem, "FILE:LINE: …". It returns an
// error when any file is invalid (main exits non-zero).
func CheckCommand(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || slices.Contains(args, "-h") || slices.Contains(args, "--help") {
		fmt.Fprintln(stdout, "usage: undertone playbook check FILE.yaml|DIR ...")
		if len(args) == 0 {
			return errors.New("playbook check: no file given")
		}
		return nil
	}
	var files []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return fmt.Errorf("playbook check: %w", err)
		}
		if !st.IsDir() {
			files = append(files, a)
			continue
		}
		for _, pat := range []string{"*.yaml", "*.yml"} {
			m, _ := filepath.Glob(filepath.Join(a, pat))
			files = append(files, m...)
		}
	}
	bad := 0
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("playbook check: %w", err)
		}
		pb, err := Parse(f, b)
		if err != nil {
			bad++
			fmt.Fprintln(stdout, strings.TrimSuffix(strings.TrimSpace(err.Error()), ": "+ErrInvalid.Error()))
			continue
		}
		fmt.Fprintf(stdout, "%s: ok (playbook %s, %d rules)\n", f, pb.Name, len(pb.Rules))
	}
	if bad > 0 {
		return fmt.Errorf("playbook check: %d of %d files invalid: %w", bad, len(files), ErrInvalid)
	}
	return nil
}
