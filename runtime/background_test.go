package runtime_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
)

// backgroundFromEnv is the test process's Setup.Background when
// BACKGROUND_KEY is set: it SETs the key to "running", and to "stopped"
// once its context ends, before it returns.
func backgroundFromEnv(app *runtime.App) func(context.Context) error {
	key := os.Getenv("BACKGROUND_KEY")
	if key == "" {
		return nil
	}
	return func(ctx context.Context) error {
		if err := app.Redis.Set(ctx, key, "running", 0).Err(); err != nil {
			return err
		}
		<-ctx.Done()
		return app.Redis.Set(context.WithoutCancel(ctx), key, "stopped", 0).Err()
	}
}

func TestMainRunsBackgroundUntilShutdown(t *testing.T) {
	rdb, stream, name := fixture(t, "background")
	key := stream + ":background"
	cmd, port, _ := startProcess(t, "STREAM="+stream, "FUNCTION="+name, "BACKGROUND_KEY="+key)
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	redistest.Eventually(t, 10*time.Second, func() bool { c, _ := httpGet(base + "/readyz"); return c == 200 }, "process ready")
	redistest.Eventually(t, 10*time.Second, func() bool { return rdb.Get(t.Context(), key).Val() == "running" }, "Background runs")
	terminate(t, cmd)
	if got := rdb.Get(t.Context(), key).Val(); got != "stopped" {
		t.Errorf("after shutdown the Background key is %q, want stopped (Main waits for Background to return)", got)
	}
}
