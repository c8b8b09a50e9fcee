package deploy

import (
	"maps"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkK8s checks the kustomize base against the functions: a Deployment
// and a PodDisruptionBudget each; a ScaledObject whose triggers name
// exactly the streams and consumer groups a reaction function registered
// (for a partitioned one, every partition stream, summed: see
// partitionProblems); a Service, and no ScaledObject, for a function that
// consumes no stream.
func checkK8s(t *testing.T, ds []deployable) {
	k, objs, err := loadKustomization(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	checkSharedConfig(t, objs)
	partitions, err := configPartitions(objs)
	if err != nil {
		t.Fatal(err)
	}
	known := names(ds)
	for _, o := range objs {
		switch o.Kind {
		case "Deployment", "ScaledObject", "PodDisruptionBudget":
			if !known[o.Metadata.Name] {
				t.Errorf("%s %s (%s) is no function under functions/", o.Kind, o.Metadata.Name, o.File)
			}
		}
	}
	images := map[string]bool{}
	for _, img := range k.Images {
		images[img.Name] = true
	}
	for _, d := range ds {
		t.Run(d.name, func(t *testing.T) {
			if !images["ordershop/"+d.name] {
				t.Errorf("kustomization images lacks ordershop/%s", d.name)
			}
			labels := checkDeployment(t, objs, d)
			checkSelects(t, objs, "PodDisruptionBudget", d.name, labels)
			_, hasSvc := find(objs, "Service", d.name)
			so, hasSO := find(objs, "ScaledObject", d.name)
			switch {
			case d.reacts() && !hasSO:
				t.Errorf("no ScaledObject for reaction function %s (consumes %v)", d.name, d.consumption())
			case d.reacts():
				checkScaledObject(t, objs, so, d, singleScaler)
				if d.partitioned() {
					for _, p := range partitionProblems(objs, d, partitions) {
						t.Error(p)
					}
				}
			case hasSO:
				t.Errorf("ScaledObject %s, but %s consumes no stream", d.name, d.name)
			case !hasSvc:
				t.Errorf("no Service for %s, which consumes no stream (an API)", d.name)
			}
			if hasSvc {
				checkSelects(t, objs, "Service", d.name, labels)
			}
		})
	}
}

// checkDeployment checks one function's Deployment and returns its pod
// selector labels.
func checkDeployment(t *testing.T, objs []k8sObject, d deployable) map[string]string {
	t.Helper()
	o, ok := find(objs, "Deployment", d.name)
	if !ok {
		t.Fatalf("no Deployment %s", d.name)
	}
	dep, err := decodeAs[deployment](o)
	if err != nil {
		t.Fatal(err)
	}
	pod := dep.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("Deployment %s has %d containers, want 1", d.name, len(pod.Containers))
	}
	c := pod.Containers[0]
	if img, _, _ := strings.Cut(c.Image, ":"); img != "ordershop/"+d.name {
		t.Errorf("image %q, want ordershop/%s", c.Image, d.name)
	}
	env := map[string]envVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	if env["LISTEN_HOST"].Value != "0.0.0.0" {
		t.Errorf("LISTEN_HOST=%q, want 0.0.0.0", env["LISTEN_HOST"].Value)
	}
	if env["PORT"].Value == "" {
		t.Error("PORT not set")
	}
	if r := env["REDIS_URL"].ValueFrom; r == nil || r.SecretKeyRef == nil {
		t.Error("REDIS_URL does not come from a Secret")
	}
	for probe, want := range map[*httpProbe]string{c.LivenessProbe: "/healthz", c.ReadinessProbe: "/readyz"} {
		if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != want {
			t.Errorf("want an httpGet probe on %s", want)
		}
	}
	if c.Resources.Requests["cpu"] == "" || c.Resources.Requests["memory"] == "" || c.Resources.Limits["memory"] == "" {
		t.Errorf("resources %+v: want cpu and memory requests and a memory limit", c.Resources)
	}
	sc := pod.SecurityContext
	if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
		t.Error("pod securityContext: want runAsNonRoot and a non-zero runAsUser")
	}
	if p := c.SecurityContext.AllowPrivilegeEscalation; p == nil || *p {
		t.Error("container securityContext: want allowPrivilegeEscalation: false")
	}
	shutdown := defaultShutdownTimeout()
	if v := env["SHUTDOWN_TIMEOUT"].Value; v != "" {
		if shutdown, err = parseStopTimeout(v); err != nil {
			t.Error(err)
		}
	}
	if g := pod.TerminationGracePeriodSeconds; g == nil {
		t.Error("terminationGracePeriodSeconds not set")
	} else if stop, err := parseStopTimeout(strconv.Itoa(*g)); err == nil {
		checkStopMargin(t, "Deployment "+d.name, stop, shutdown)
	}
	if len(dep.Spec.Selector.MatchLabels) == 0 {
		t.Fatal("Deployment has no selector")
	}
	return dep.Spec.Selector.MatchLabels
}

// checkScaledObject checks that so scales d's Deployment on triggers of
// flavour f naming exactly the (stream, consumer group) pairs d
// registered, with the address and password read from env the pods
// really have.
func checkScaledObject(t *testing.T, objs []k8sObject, o k8sObject, d deployable, f scalerFlavour) {
	t.Helper()
	so, err := decodeAs[scaledObject](o)
	if err != nil {
		t.Fatal(err)
	}
	if so.Spec.ScaleTargetRef.Name != d.name {
		t.Errorf("ScaledObject %s targets %q", d.name, so.Spec.ScaleTargetRef.Name)
	}
	if m := so.Spec.MinReplicaCount; m == nil || *m < 1 {
		t.Error("minReplicaCount: want at least 1 (retries run on the function's own instances)")
	}
	podEnv := podEnvNames(t, objs, d.name)
	var got []string
	for i, tr := range so.Spec.Triggers {
		md := tr.Metadata
		if tr.Type != f.trigger {
			t.Errorf("trigger %d: type %q, want %s", i, tr.Type, f.trigger)
			continue
		}
		got = append(got, md["stream"]+" "+md["consumerGroup"])
		if md["lagCount"] == "" && md["pendingEntriesCount"] == "" {
			t.Errorf("trigger %d (%s): want lagCount or pendingEntriesCount", i, md["stream"])
		}
		if md["lagCount"] != "" && md["activationLagCount"] == "" {
			t.Errorf("trigger %d (%s): lagCount needs activationLagCount", i, md["stream"])
		}
		for _, key := range f.fromEnv {
			if v := md[key]; v != "" && !podEnv[v] {
				t.Errorf("trigger %d: %s %s is not in the pod's env", i, key, v)
			}
		}
		named := false
		for _, key := range f.address {
			named = named || md[key] != ""
		}
		if !named {
			t.Errorf("trigger %d: no Redis address (one of %v)", i, f.address)
		}
		for _, key := range f.forbidden {
			if _, ok := md[key]; ok {
				t.Errorf("trigger %d (%s): %s is not a %s setting", i, md["stream"], key, f.trigger)
			}
		}
	}
	sort.Strings(got)
	if diff := cmp.Diff(d.consumption(), got); diff != "" {
		t.Errorf("ScaledObject %s triggers (stream group) vs registry (-registered +manifest):\n%s", d.name, diff)
	}
}

// podEnvNames lists the env var names a Deployment's container gets,
// from env and from the ConfigMaps of envFrom.
func podEnvNames(t *testing.T, objs []k8sObject, name string) map[string]bool {
	t.Helper()
	o, _ := find(objs, "Deployment", name)
	dep, err := decodeAs[deployment](o)
	if err != nil || len(dep.Spec.Template.Spec.Containers) == 0 {
		t.Fatalf("Deployment %s: %v", name, err)
	}
	c := dep.Spec.Template.Spec.Containers[0]
	out := map[string]bool{}
	for _, e := range c.Env {
		out[e.Name] = true
	}
	for _, ef := range c.EnvFrom {
		if ef.ConfigMapRef == nil {
			continue
		}
		cm, ok := find(objs, "ConfigMap", ef.ConfigMapRef.Name)
		if !ok {
			t.Errorf("Deployment %s: envFrom ConfigMap %s not in the base", name, ef.ConfigMapRef.Name)
			continue
		}
		data, err := decodeAs[struct {
			Data map[string]string `yaml:"data"`
		}](cm)
		if err != nil {
			t.Fatal(err)
		}
		for k := range maps.Keys(data.Data) {
			out[k] = true
		}
	}
	return out
}

// checkSelects checks that the object of kind and name selects exactly
// the Deployment's pods.
func checkSelects(t *testing.T, objs []k8sObject, kind, name string, labels map[string]string) {
	t.Helper()
	o, ok := find(objs, kind, name)
	if !ok {
		t.Errorf("no %s %s", kind, name)
		return
	}
	var sel map[string]string
	if kind == "Service" {
		s, err := decodeAs[service](o)
		if err != nil {
			t.Fatal(err)
		}
		sel = s.Spec.Selector
	} else {
		p, err := decodeAs[pdb](o)
		if err != nil {
			t.Fatal(err)
		}
		sel = p.Spec.Selector.MatchLabels
	}
	if diff := cmp.Diff(labels, sel); diff != "" {
		t.Errorf("%s %s selector vs Deployment's (-deployment +%s):\n%s", kind, name, kind, diff)
	}
}

// checkSharedConfig checks that the ConfigMap's REDIS_ADDRESS (what KEDA
// reads) names the Redis of the Secret's REDIS_URL (what the functions use).
func checkSharedConfig(t *testing.T, objs []k8sObject) {
	t.Helper()
	type kv struct {
		Data       map[string]string `yaml:"data"`
		StringData map[string]string `yaml:"stringData"`
	}
	cmObj, ok1 := find(objs, "ConfigMap", "ordershop-config")
	secObj, ok2 := find(objs, "Secret", "ordershop-secrets")
	if !ok1 || !ok2 {
		t.Fatal("want ConfigMap ordershop-config and Secret ordershop-secrets in the base")
	}
	cm, err := decodeAs[kv](cmObj)
	if err != nil {
		t.Fatal(err)
	}
	sec, err := decodeAs[kv](secObj)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"REDIS_URL", "ADMIN_TOKEN"} {
		if _, ok := sec.StringData[key]; !ok {
			t.Errorf("Secret lacks %s", key)
		}
	}
	u, err := url.Parse(sec.StringData["REDIS_URL"])
	if err != nil {
		t.Fatalf("Secret REDIS_URL: %v", err)
	}
	if cm.Data["REDIS_ADDRESS"] != u.Host {
		t.Errorf("ConfigMap REDIS_ADDRESS=%q but Secret REDIS_URL names %q", cm.Data["REDIS_ADDRESS"], u.Host)
	}
}
