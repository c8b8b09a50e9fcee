package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// checkSystemd checks the template unit and that every function has its
// environment file (with a port of its own) and a mention in the docs.
func checkSystemd(t *testing.T, ds []deployable) {
	dir := filepath.Join(repoRoot, systemdDir)
	unit, err := loadUnit(filepath.Join(dir, "ordershop@.service"))
	if err != nil {
		t.Fatal(err)
	}
	svc := "Service"
	if got := unit.get(svc, "ExecStart"); !strings.Contains(got, "%i") {
		t.Errorf("ExecStart=%q does not run the instance's function (%%i)", got)
	}
	envFiles := unit[svc]["EnvironmentFile"]
	for _, want := range []string{"/etc/ordershop/common.env", "/etc/ordershop/%i.env"} {
		if !slices.Contains(envFiles, want) {
			t.Errorf("EnvironmentFile=%s missing (have %v)", want, envFiles)
		}
	}
	if got := unit.get(svc, "KillSignal"); got != "SIGTERM" {
		t.Errorf("KillSignal=%q, want SIGTERM", got)
	}
	if got := unit.get(svc, "Restart"); got == "" || got == "no" {
		t.Errorf("Restart=%q, want a restart policy", got)
	}
	common, err := loadEnvFile(filepath.Join(dir, "common.env"))
	if err != nil {
		t.Fatal(err)
	}
	shutdown := defaultShutdownTimeout()
	if v, ok := common["SHUTDOWN_TIMEOUT"]; ok {
		if shutdown, err = parseStopTimeout(v); err != nil {
			t.Fatalf("common.env SHUTDOWN_TIMEOUT: %v", err)
		}
	}
	stop, err := parseStopTimeout(unit.get(svc, "TimeoutStopSec"))
	if err != nil {
		t.Fatalf("TimeoutStopSec: %v", err)
	}
	checkStopMargin(t, "ordershop@.service", stop, shutdown)
	if common["REDIS_URL"] == "" {
		t.Error("common.env sets no REDIS_URL")
	}

	doc, err := os.ReadFile(filepath.Join(repoRoot, deployDoc))
	if err != nil {
		t.Fatalf("read %s: %v", deployDoc, err)
	}
	ports := map[string]string{}
	for _, d := range ds {
		env, err := loadEnvFile(filepath.Join(dir, d.name+".env"))
		if err != nil {
			t.Errorf("function %s: %v", d.name, err)
			continue
		}
		port := env["PORT"]
		if port == "" {
			t.Errorf("%s.env sets no PORT", d.name)
		} else if other, dup := ports[port]; dup {
			t.Errorf("%s.env and %s.env both use PORT=%s", d.name, other, port)
		}
		ports[port] = d.name
		if !regexp.MustCompile(`\b` + regexp.QuoteMeta(d.name) + `\b`).Match(doc) {
			t.Errorf("%s does not mention function %s", deployDoc, d.name)
		}
	}
	known := names(ds)
	matches, _ := filepath.Glob(filepath.Join(dir, "*.env"))
	for _, m := range matches {
		n := strings.TrimSuffix(filepath.Base(m), ".env")
		if n != "common" && !known[n] {
			t.Errorf("%s is for %s, which is no function under functions/", filepath.Base(m), n)
		}
	}
}

// checkCompose checks that every function is a compose service built
// from the shared Dockerfile, listening on 0.0.0.0, with only loopback
// ports published, and that Redis keeps an AOF.
func checkCompose(t *testing.T, ds []deployable) {
	c, err := loadCompose(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	redis, ok := c.Services["redis"]
	if !ok || !strings.Contains(strings.Join(redis.Command, " "), "--appendonly yes") {
		t.Errorf("compose: no redis service with --appendonly yes (got %+v)", redis.Command)
	}
	known := names(ds)
	for name := range c.Services {
		if name != "redis" && !known[name] {
			t.Errorf("compose service %s is no function under functions/", name)
		}
	}
	for _, d := range ds {
		s, ok := c.Services[d.name]
		if !ok {
			t.Errorf("compose: no service for function %s", d.name)
			continue
		}
		if s.Build == nil || s.Build.Args["FUNCTION"] != d.name || s.Build.Dockerfile != dockerfile {
			t.Errorf("compose %s: build %+v, want %s with FUNCTION=%s", d.name, s.Build, dockerfile, d.name)
		}
		if s.Environment["LISTEN_HOST"] != "0.0.0.0" || s.Environment["REDIS_URL"] == "" {
			t.Errorf("compose %s: want LISTEN_HOST=0.0.0.0 and REDIS_URL, got %v", d.name, s.Environment)
		}
		shutdown := defaultShutdownTimeout()
		if v := s.Environment["SHUTDOWN_TIMEOUT"]; v != "" {
			if shutdown, err = parseStopTimeout(v); err != nil {
				t.Errorf("compose %s: %v", d.name, err)
			}
		}
		if stop, err := parseStopTimeout(s.StopGracePeriod); err != nil {
			t.Errorf("compose %s: stop_grace_period: %v", d.name, err)
		} else {
			checkStopMargin(t, "compose "+d.name, stop, shutdown)
		}
		for _, p := range s.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("compose %s publishes %q beyond loopback", d.name, p)
			}
		}
		if !d.reacts() && len(s.Ports) == 0 {
			t.Errorf("compose %s serves an API but publishes no port", d.name)
		}
	}
}

// checkDockerfile checks the image recipe by reading it: one file for
// every function, a static binary, a non-root final stage.
func checkDockerfile(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, dockerfile))
	if err != nil {
		t.Fatal(err)
	}
	df := string(raw)
	for _, want := range []string{"ARG FUNCTION", "CGO_ENABLED=0", "./functions/${FUNCTION}"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	froms := regexp.MustCompile(`(?m)^FROM[ \t]+(.+)$`).FindAllStringSubmatch(df, -1)
	if len(froms) < 2 {
		t.Fatalf("Dockerfile has %d stages, want a build and a runtime stage", len(froms))
	}
	final := froms[len(froms)-1][1]
	if !strings.Contains(final, "distroless/static") && !strings.HasPrefix(final, "scratch") {
		t.Errorf("final stage %q is neither distroless/static nor scratch", final)
	}
	users := regexp.MustCompile(`(?m)^USER[ \t]+(\S+)`).FindAllStringSubmatch(df, -1)
	if len(users) == 0 {
		t.Fatal("Dockerfile sets no USER")
	}
	if u := users[len(users)-1][1]; u == "root" || u == "0" || strings.HasPrefix(u, "0:") {
		t.Errorf("final USER is %s, want non-root", u)
	}
}
