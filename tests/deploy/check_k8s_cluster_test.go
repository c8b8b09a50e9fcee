package deploy

import (
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// scalerFlavour is what a ScaledObject's triggers must look like for one
// kind of Redis: the base's single node, or a Cluster (the overlay).
type scalerFlavour struct {
	// trigger is the KEDA trigger type.
	trigger string
	// address lists the metadata keys of which one must name the Redis.
	address []string
	// fromEnv lists the metadata keys whose value must be an env var the
	// pods have (KEDA resolves them on the scale target).
	fromEnv []string
	// forbidden lists metadata keys the trigger type does not read.
	forbidden []string
}

var (
	// singleScaler: KEDA's redis-streams on one Redis.
	singleScaler = scalerFlavour{
		trigger: "redis-streams", address: []string{"addressFromEnv", "address", "host"},
		fromEnv: []string{"addressFromEnv", "passwordFromEnv"},
	}
	// clusterScaler: KEDA's redis-cluster-streams on the seed nodes of a
	// Redis Cluster (there is no database but 0).
	clusterScaler = scalerFlavour{
		trigger: "redis-cluster-streams", address: []string{"addressesFromEnv", "addresses", "hosts"},
		fromEnv:   []string{"addressesFromEnv", "passwordFromEnv", "usernameFromEnv"},
		forbidden: []string{"address", "addressFromEnv", "host", "hostFromEnv", "databaseIndex"},
	}
)

// checkK8sCluster checks the Redis Cluster overlay (deploy/k8s-cluster)
// rendered on the base: every Deployment gets REDIS_CLUSTER_URL from the
// Secret, whose seed nodes are the ConfigMap's REDIS_ADDRESSES (what
// KEDA reads); every ScaledObject scales on redis-cluster-streams
// triggers naming exactly the streams and groups its function registered,
// with the base's partition sums (partitionProblems).
func checkK8sCluster(t *testing.T, ds []deployable) {
	objs, err := loadOverlay(repoRoot, k8sClusterDir)
	if err != nil {
		t.Fatal(err)
	}
	checkClusterConfig(t, objs)
	partitions, err := configPartitions(objs)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		t.Run(d.name, func(t *testing.T) {
			checkClusterURLEnv(t, objs, d.name)
			so, hasSO := find(objs, "ScaledObject", d.name)
			switch {
			case d.reacts() && !hasSO:
				t.Errorf("no ScaledObject for reaction function %s", d.name)
			case d.reacts():
				checkScaledObject(t, objs, so, d, clusterScaler)
				if d.partitioned() {
					for _, p := range partitionProblems(objs, d, partitions) {
						t.Error(p)
					}
				}
			}
		})
	}
}

// checkClusterConfig checks that the Secret's REDIS_CLUSTER_URL parses as
// a go-redis cluster URL and that its seed nodes are the ConfigMap's
// REDIS_ADDRESSES, the base's single REDIS_ADDRESS gone.
func checkClusterConfig(t *testing.T, objs []k8sObject) {
	t.Helper()
	type kv struct {
		Data       map[string]string `yaml:"data"`
		StringData map[string]string `yaml:"stringData"`
	}
	cmObj, ok1 := find(objs, "ConfigMap", "ordershop-config")
	secObj, ok2 := find(objs, "Secret", "ordershop-secrets")
	if !ok1 || !ok2 {
		t.Fatal("want ConfigMap ordershop-config and Secret ordershop-secrets")
	}
	cm, err := decodeAs[kv](cmObj)
	if err != nil {
		t.Fatal(err)
	}
	sec, err := decodeAs[kv](secObj)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cm.Data["REDIS_ADDRESS"]; ok {
		t.Error("ConfigMap keeps REDIS_ADDRESS: a cluster's scaler reads REDIS_ADDRESSES")
	}
	opts, err := redis.ParseClusterURL(sec.StringData["REDIS_CLUSTER_URL"])
	if err != nil {
		t.Fatalf("Secret REDIS_CLUSTER_URL %q: %v", sec.StringData["REDIS_CLUSTER_URL"], err)
	}
	var addrs []string
	for a := range strings.SplitSeq(cm.Data["REDIS_ADDRESSES"], ",") {
		addrs = append(addrs, strings.TrimSpace(a))
	}
	if !slices.Equal(addrs, opts.Addrs) {
		t.Errorf("ConfigMap REDIS_ADDRESSES %v, but Secret REDIS_CLUSTER_URL names %v", addrs, opts.Addrs)
	}
}

// checkClusterURLEnv checks that Deployment name's container gets
// REDIS_CLUSTER_URL from the Secret's key of that name.
func checkClusterURLEnv(t *testing.T, objs []k8sObject, name string) {
	t.Helper()
	o, ok := find(objs, "Deployment", name)
	if !ok {
		t.Fatalf("no Deployment %s", name)
	}
	dep, err := decodeAs[deployment](o)
	if err != nil || len(dep.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("Deployment %s: %v", name, err)
	}
	for _, e := range dep.Spec.Template.Spec.Containers[0].Env {
		if e.Name == "REDIS_CLUSTER_URL" {
			if r := e.ValueFrom; r == nil || r.SecretKeyRef == nil || r.SecretKeyRef.Name != "ordershop-secrets" || r.SecretKeyRef.Key != "REDIS_CLUSTER_URL" {
				t.Errorf("REDIS_CLUSTER_URL does not come from Secret ordershop-secrets, key REDIS_CLUSTER_URL")
			}
			return
		}
	}
	t.Errorf("Deployment %s: the pods get no REDIS_CLUSTER_URL", name)
}
