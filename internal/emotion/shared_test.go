//go:build shared

package emotion

// Runs training and evaluation on the shared corpora (not part of the normal test set):
//
//	UT_CMD=train UT_ARGS="--corpus ../../../shared/data/emotion/ravdess --folds 6" go test -tags shared -run Shared -v -timeout 1h ./internal/emotion
import (
	"context"
	"os"
	"strings"
	"testing"
)

func TestShared(t *testing.T) {
	args := strings.Fields(os.Getenv("UT_ARGS"))
	cmd := TrainCommand
	if os.Getenv("UT_CMD") == "eval" {
		cmd = EvalCommand
	}
	if err := cmd(context.Background(), args, os.Stdout); err != nil {
		t.Fatal(err)
	}
}
