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
	replicas := 0
	for _, m := range matches {
		n := strings.TrimSuffix(filepath.Base(m), ".env")
		if fn, ok := replicaOf(n); ok && known[fn] {
			checkReplicaEnv(t, m, fn, ports)
			replicas++
			continue
		}
		if n != "common" && !known[n] {
			t.Errorf("%s is for %s, which is no function under functions/", filepath.Base(m), n)
		}
	}
	if replicas < 2 {
		t.Errorf("%d instance files <function>-<n>.env for ordershop-replica@.service, want at least two instances of one function", replicas)
	}
	checkReplicaUnit(t, dir, unit)
	for _, k := range []string{"PARTITIONS", "PARTITION_LEASE"} {
		if common[k] == "" {
			t.Errorf("common.env sets no %s (every process must agree on it)", k)
		}
	}
}

// replicaOf reads an instance name of ordershop-replica@.service,
// "<function>-<n>", and returns the function.
func replicaOf(instance string) (string, bool) {
	fn, n, ok := strings.Cut(instance, "-")
	if !ok || fn == "" || n == "" || strings.Trim(n, "0123456789") != "" {
		return "", false
	}
	return fn, true
}

// checkReplicaEnv checks one instance's environment file: it names its
// function and has a port of its own among ports (which it joins).
func checkReplicaEnv(t *testing.T, path, fn string, ports map[string]string) {
	t.Helper()
	env, err := loadEnvFile(path)
	if err != nil {
		t.Error(err)
		return
	}
	name := filepath.Base(path)
	if env["FUNCTION"] != fn {
		t.Errorf("%s: FUNCTION=%q, want %s", name, env["FUNCTION"], fn)
	}
	port := env["PORT"]
	if port == "" {
		t.Errorf("%s sets no PORT", name)
	} else if other, dup := ports[port]; dup {
		t.Errorf("%s and %s.env both use PORT=%s", name, other, port)
	}
	ports[port] = strings.TrimSuffix(name, ".env")
}

// checkReplicaUnit checks ordershop-replica@.service, the template that
// runs several instances of one function: it runs $FUNCTION from the
// instance's file, and otherwise is ordershop@.service (the same
// shutdown, restart and hardening settings).
func checkReplicaUnit(t *testing.T, dir string, single unitFile) {
	t.Helper()
	unit, err := loadUnit(filepath.Join(dir, "ordershop-replica@.service"))
	if err != nil {
		t.Fatal(err)
	}
	svc := "Service"
	if got := unit.get(svc, "ExecStart"); got != "/usr/bin/env /opt/ordershop/current/${FUNCTION}" {
		t.Errorf("ordershop-replica@.service ExecStart=%q, want the instance's $FUNCTION (through /usr/bin/env)", got)
	}
	if got := unit[svc]["EnvironmentFile"]; !slices.Equal(got, []string{"/etc/ordershop/common.env", "/etc/ordershop/%i.env"}) {
		t.Errorf("ordershop-replica@.service EnvironmentFile=%v, want common.env then %%i.env", got)
	}
	for section, keys := range single {
		for k, want := range keys {
			if (section == svc && k == "ExecStart") || (section == "Unit" && k == "Description") {
				continue
			}
			if got := unit[section][k]; !slices.Equal(got, want) {
				t.Errorf("ordershop-replica@.service [%s] %s=%v, ordershop@.service has %v: keep the two in step", section, k, got, want)
			}
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
