package postgres_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/undertone/undertone/internal/store"
	"github.com/undertone/undertone/internal/store/postgres"
	"github.com/undertone/undertone/internal/store/postgres/pgtest"
	"github.com/undertone/undertone/internal/store/storetest"
)

var (
	server    *pgtest.Server
	serverErr error
)

func TestMain(m *testing.M) {
	if !storetest.InCrashHelper() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		server, serverErr = pgtest.Start(ctx)
		cancel()
		if serverErr != nil {
			fmt.Fprintf(os.Stderr, "\n*** POSTGRES STORE TESTS WILL BE SKIPPED: no PostgreSQL server could be started ***\n*** %v ***\n\n", serverErr)
		}
	}
	code := m.Run()
	server.Stop()
	if code == 0 && !storetest.InCrashHelper() {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines leaked:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// database returns a DSN of a fresh database, or skips loudly.
func database(t testing.TB) string {
	t.Helper()
	if server == nil {
		t.Skipf("SKIPPED LOUDLY: no PostgreSQL server for the Postgres store tests: %v "+
			"(apt-get install postgresql, or set %s)", serverErr, pgtest.EnvDSN)
	}
	dsn, err := server.NewDatabase(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

func open(ctx context.Context, dsn string) (store.Store, error) { return postgres.Open(ctx, dsn) }

func newStore(t testing.TB) store.Store {
	st, err := postgres.Open(context.Background(), database(t))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestContract(t *testing.T) { storetest.RunContract(t, newStore) }

func TestCrashHelper(t *testing.T) { storetest.CrashHelper(t, open) }

func TestCrashSafety(t *testing.T) {
	storetest.RunCrash(t, database(t), "TestCrashHelper", open, nil)
}

func TestOpenViaRegistryAndMigrateTwice(t *testing.T) {
	ctx := context.Background()
	dsn := database(t)
	for range 2 {
		st, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := st.(*postgres.Store); !ok {
			t.Fatalf("store.Open = %T", st)
		}
		if err := st.CallStarted(ctx, store.CallRecord{ID: "x"}); err != nil {
			t.Fatal(err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestConcurrentOpenMigratesOnce(t *testing.T) {
	ctx := context.Background()
	dsn := database(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			st, err := postgres.Open(ctx, dsn)
			if err == nil {
				err = st.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func BenchmarkRecorder(b *testing.B) { storetest.BenchRecorder(b, newStore) }

func TestNodeScope(t *testing.T) { storetest.RunNodeScope(t, database(t), open) }
