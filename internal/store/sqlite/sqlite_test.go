package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	"github.com/undertone/undertone/internal/store"
	"github.com/undertone/undertone/internal/store/sqlite"
	"github.com/undertone/undertone/internal/store/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func open(ctx context.Context, path string) (store.Store, error) { return sqlite.Open(ctx, path) }

func newStore(t testing.TB) store.Store {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "undertone.db"))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestContract(t *testing.T) { storetest.RunContract(t, newStore) }

func TestCrashHelper(t *testing.T) { storetest.CrashHelper(t, open) }

func TestCrashSafety(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crash.db")
	storetest.RunCrash(t, path, "TestCrashHelper", open, func(st store.Store) error {
		return st.(*sqlite.Store).Check(context.Background())
	})
}

func TestOpenViaRegistry(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "reg.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.(*sqlite.Store); !ok {
		t.Fatalf("store.Open(%q) = %T", path, st)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestReopenKeepsSchemaVersion(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v.db")
	for range 2 {
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.CallStarted(ctx, store.CallRecord{ID: "x"}); err != nil {
			t.Fatal(err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// WAL mode is on and sticks to the file.
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Fatalf("no WAL file beside the database: %v", err)
	}
}

func TestOpenMissingDir(t *testing.T) {
	_, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"))
	if err == nil {
		t.Fatal("opened a file in a directory that does not exist")
	}
	t.Log(err)
}

func BenchmarkRecorder(b *testing.B) { storetest.BenchRecorder(b, newStore) }

func TestNodeScope(t *testing.T) {
	storetest.RunNodeScope(t, filepath.Join(t.TempDir(), "nodes.db"), open)
}
