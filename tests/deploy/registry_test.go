package deploy

import (
	"context"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/internal/testkit/shopkit"
	"github.com/ordershop/functions/runtime"
)

// TestDeployEntriesMatchRegistry starts every function under functions/
// against a throwaway Redis, reads what each registered (its streams and
// consumer groups) and checks that systemd, compose and Kubernetes deploy
// each of them, with the right streams and groups on every ScaledObject.
func TestDeployEntriesMatchRegistry(t *testing.T) {
	ds := discover(t)
	for _, d := range ds {
		t.Logf("%s: consumes %v", d.name, d.consumption())
	}
	t.Run("systemd", func(t *testing.T) { checkSystemd(t, ds) })
	t.Run("dockerfile", checkDockerfile)
	t.Run("compose", func(t *testing.T) { checkCompose(t, ds) })
	t.Run("kubernetes", func(t *testing.T) { checkK8s(t, ds) })
	t.Run("kubernetes cluster overlay", func(t *testing.T) { checkK8sCluster(t, ds) })
}

// discover runs every function binary once and returns, per function,
// what it registered in model.RegistryKey. Every process must become
// ready (/healthz and /readyz answer 200).
func discover(t *testing.T) []deployable {
	t.Helper()
	srv := redistest.New(t, redistest.Options{})
	f := newFleet(t, srv.URL())
	for _, n := range shopkit.Processes() {
		f.Start(n)
	}
	f.waitReady(shopkit.Processes(), 30*time.Second)

	infos, err := runtime.ListFunctions(context.Background(), srv.Client(t), model.RegistryKey)
	if err != nil {
		t.Fatal(err)
	}
	byConsumer := map[string][]runtime.FunctionInfo{}
	for _, fi := range infos {
		byConsumer[fi.Consumer] = append(byConsumer[fi.Consumer], fi)
	}
	var out []deployable
	for _, n := range shopkit.Processes() {
		out = append(out, deployable{name: n, infos: byConsumer[consumerName(n)]})
		delete(byConsumer, consumerName(n))
	}
	for c, fis := range byConsumer {
		t.Errorf("registry entries from unknown consumer %s: %+v", c, fis)
	}
	for _, n := range shopkit.Processes() {
		f.Stop(n, 30*time.Second)
	}
	return out
}
