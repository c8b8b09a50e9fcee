package runtime

import (
	"strings"
	"testing"
)

// TestNamesAreNeutralByDefaultAndConfigurable: the runtime names no
// product unless told to: its registry key and metric namespace default to
// neutral names, a process passes its own with WithNames, and the
// environment (REGISTRY_KEY, RUNTIME_NAMESPACE) wins over both.
func TestNamesAreNeutralByDefaultAndConfigurable(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		cfg := DefaultConfig()
		if cfg.RegistryKey != "functions:registry" || cfg.Namespace != "functions" {
			t.Fatalf("defaults %q, %q; want functions:registry, functions", cfg.RegistryKey, cfg.Namespace)
		}
	})
	for _, c := range []struct {
		name           string
		env            map[string]string
		key, namespace string
	}{
		{"WithNames", nil, "shop:functions", "shop"},
		{"environment wins", map[string]string{"REGISTRY_KEY": "ops:fns", "RUNTIME_NAMESPACE": "ops"}, "ops:fns", "ops"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			defaults := map[string]string{}
			WithNames("shop:functions", "shop")(defaults)
			cfg, err := loadConfig(defaults)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.RegistryKey != c.key || cfg.Namespace != c.namespace {
				t.Fatalf("got %q, %q; want %q, %q", cfg.RegistryKey, cfg.Namespace, c.key, c.namespace)
			}
		})
	}
	t.Run("invalid namespace", func(t *testing.T) {
		t.Setenv("RUNTIME_NAMESPACE", "my-shop")
		if _, err := LoadConfig(); err == nil {
			t.Fatal("RUNTIME_NAMESPACE=my-shop accepted: not a Prometheus name")
		}
	})
	t.Run("metrics", func(t *testing.T) {
		m := NewMetricsIn("shop")
		m.forStream("fn", "events:x").Processed.Inc()
		families, err := m.Registry.Gather()
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, f := range families {
			if strings.HasPrefix(f.GetName(), "functions_") {
				t.Errorf("series %s in the default namespace", f.GetName())
			}
			found = found || f.GetName() == "shop_events_processed_total"
		}
		if !found {
			t.Fatal("shop_events_processed_total not registered")
		}
	})
}
