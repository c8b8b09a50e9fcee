package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ordershop/functions/runtime"
)

// partitionedManifest is a minimal valid set of manifests for a leased
// function "fn" on one family of 2 partitions.
const partitionedManifest = `apiVersion: v1
kind: ConfigMap
metadata: {name: ordershop-config}
data: {PARTITIONS: "2", PARTITION_LEASE: 10s}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: fn}
spec:
  strategy: {type: RollingUpdate}
  template:
    spec:
      containers:
        - name: function
          envFrom: [{configMapRef: {name: ordershop-config}}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: fn}
spec: {maxUnavailable: 1}
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: fn}
spec:
  maxReplicaCount: 2
  advanced:
    scalingModifiers: {formula: "order_p0 + order_p1", target: "100", metricType: AverageValue}
  triggers:
    - {type: redis-streams, name: order_p0, metadata: {stream: "events:order:{p0}", consumerGroup: fn}}
    - {type: redis-streams, name: order_p1, metadata: {stream: "events:order:{p1}", consumerGroup: fn}}
`

// TestPartitionChecksCatchBadManifests shows that partitionProblems,
// which the registry test runs on the real manifests, accepts a right
// set and reports each way of getting it wrong.
func TestPartitionChecksCatchBadManifests(t *testing.T) {
	d := deployable{name: "fn", infos: []runtime.FunctionInfo{{
		Name: "fn", Group: "fn", Leases: true, Streams: []string{"events:order:{p0}", "events:order:{p1}"},
		Families: []runtime.FamilyInfo{{Name: "events:order", Partitions: 2}},
	}}}
	for name, c := range map[string]struct {
		from, to string
		want     string // "" for no problem
	}{
		"the right manifests":           {},
		"Recreate":                      {"type: RollingUpdate", "type: Recreate", `strategy "Recreate", want RollingUpdate`},
		"no strategy":                   {"strategy: {type: RollingUpdate}", "", `strategy "", want RollingUpdate`},
		"more replicas than partitons":  {"maxReplicaCount: 2", "maxReplicaCount: 3", "maxReplicaCount 3 above the partition count 2"},
		"no maxReplicaCount":            {"maxReplicaCount: 2", "", "no maxReplicaCount"},
		"PARTITIONS below the replicas": {`PARTITIONS: "2"`, `PARTITIONS: "1"`, "maxReplicaCount 2 above the partition count 1"},
		"the largest partition":         {`"order_p0 + order_p1"`, `"max(order_p0, order_p1)"`, "is not the sum of its 2 triggers"},
		"a partition left out":          {`"order_p0 + order_p1"`, `"order_p0"`, "is not the sum of its 2 triggers"},
		"a partition twice":             {`"order_p0 + order_p1"`, `"order_p0 + order_p1 + order_p1"`, "is not the sum of its 2 triggers"},
		"no formula":                    {`formula: "order_p0 + order_p1", `, "", "is not the sum of its 2 triggers"},
		"a value, not per replica":      {"metricType: AverageValue", "metricType: Value", `metricType "Value"`},
		"an unnamed trigger":            {"name: order_p1, ", "", "trigger 1 (events:order:{p1}) has no name"},
		"no PDB bound":                  {"spec: {maxUnavailable: 1}", "spec: {}", "sets neither maxUnavailable nor minAvailable"},
		"no PARTITION_LEASE":            {", PARTITION_LEASE: 10s", "", "the pods get no PARTITION_LEASE"},
	} {
		t.Run(name, func(t *testing.T) {
			doc := partitionedManifest
			if c.from != "" {
				if !strings.Contains(doc, c.from) {
					t.Fatalf("the manifest has no %q", c.from)
				}
				doc = strings.Replace(doc, c.from, c.to, 1)
			}
			path := filepath.Join(t.TempDir(), "m.yaml")
			if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
				t.Fatal(err)
			}
			objs, err := loadObjects(path)
			if err != nil {
				t.Fatal(err)
			}
			p, err := configPartitions(objs)
			if err != nil {
				t.Fatal(err)
			}
			problems := partitionProblems(objs, d, p)
			switch {
			case c.want == "" && len(problems) > 0:
				t.Fatalf("problems with the right manifests: %q", problems)
			case c.want != "" && !strings.Contains(strings.Join(problems, "\n"), c.want):
				t.Fatalf("problems %q, want one saying %q", problems, c.want)
			}
		})
	}
}
