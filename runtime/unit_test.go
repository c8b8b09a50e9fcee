package runtime

import (
	"testing"
	"time"
)

func TestConfigDefaultsAndValidation(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
	if cfg.RedisURL != "redis://127.0.0.1:6379/0" || cfg.MaxAttempts != 5 || cfg.IdempotencyTTL != 24*time.Hour || cfg.StartFrom != StartBeginning ||
		cfg.Partitions != 16 || cfg.PartitionLease != 10*time.Second {
		t.Fatalf("unexpected defaults: %+v", cfg)
	}
	bad := []struct {
		name string
		mod  func(*Config)
	}{
		{"zero concurrency", func(c *Config) { c.Concurrency = 0 }},
		{"zero attempts", func(c *Config) { c.MaxAttempts = 0 }},
		{"bad start", func(c *Config) { c.StartFrom = "middle" }},
		{"bad log format", func(c *Config) { c.LogFormat = "xml" }},
		// Renewal every CLAIM_INTERVAL must come twice within CLAIM_MIN_IDLE.
		{"claim interval half the min idle", func(c *Config) { c.ClaimInterval = c.ClaimMinIdle / 2 }},
		{"claim interval over the min idle", func(c *Config) { c.ClaimInterval = 2 * c.ClaimMinIdle }},
		{"no partitions", func(c *Config) { c.Partitions = 0 }},
		{"too many partitions", func(c *Config) { c.Partitions = 1025 }},
		{"partition lease too short", func(c *Config) { c.PartitionLease = 100 * time.Millisecond }},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			c := DefaultConfig()
			b.mod(&c)
			if err := c.Validate(); err == nil {
				t.Fatal("invalid config accepted")
			}
		})
	}
}

func TestLoadConfigFromEnvironment(t *testing.T) {
	t.Setenv("MAX_ATTEMPTS", "7")
	t.Setenv("RETRY_BACKOFF_BASE", "250ms")
	t.Setenv("START_FROM", "new")
	cfg, err := LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxAttempts != 7 || cfg.BackoffBase != 250*time.Millisecond || cfg.StartFrom != StartNew {
		t.Fatalf("env not applied: %+v", cfg)
	}
	t.Setenv("MAX_ATTEMPTS", "many")
	if _, err := LoadConfig(); err == nil {
		t.Fatal("MAX_ATTEMPTS=many accepted")
	}
}

func TestNewRedisClientRedactsPassword(t *testing.T) {
	cfg := DefaultConfig()
	cfg.RedisURL = "redis://user:s3cret@127.0.0.1:notaport/0"
	_, err := NewRedisClient(cfg)
	if err == nil {
		t.Fatal("bad URL accepted")
	}
	if contains(err.Error(), "s3cret") {
		t.Fatalf("error leaks the password: %v", err)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestCompareIDs(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"1-0", "1-0", 0}, {"1-1", "1-0", 1}, {"2-0", "10-0", -1}, {"0-0", "1-5", -1},
	}
	for _, c := range cases {
		if got := CompareIDs(c.a, c.b); got != c.want {
			t.Errorf("CompareIDs(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
