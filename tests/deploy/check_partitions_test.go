package deploy

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// partitioned reports whether the process runs a function that consumes
// partitioned families (its registration names Families).
func (d deployable) partitioned() bool {
	for _, fi := range d.infos {
		if len(fi.Families) > 0 {
			return true
		}
	}
	return false
}

// leased reports whether one of the process's functions owns its
// partitions through leases (ordered: one instance per partition).
func (d deployable) leased() bool {
	for _, fi := range d.infos {
		if fi.Leases {
			return true
		}
	}
	return false
}

// fewestPartitions is the smallest partition count of the families the
// process consumes (0 without any): more instances than that would own
// nothing of the smallest family.
func (d deployable) fewestPartitions() int {
	n := 0
	for _, fi := range d.infos {
		for _, f := range fi.Families {
			if n == 0 || f.Partitions < n {
				n = f.Partitions
			}
		}
	}
	return n
}

// configPartitions reads PARTITIONS from the shared ConfigMap (0 when it
// is not set there).
func configPartitions(objs []k8sObject) (int, error) {
	o, ok := find(objs, "ConfigMap", "ordershop-config")
	if !ok {
		return 0, fmt.Errorf("no ConfigMap ordershop-config")
	}
	cm, err := decodeAs[struct {
		Data map[string]string `yaml:"data"`
	}](o)
	if err != nil {
		return 0, err
	}
	v, ok := cm.Data["PARTITIONS"]
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("ConfigMap PARTITIONS=%q: want a count", v)
	}
	return n, nil
}

// partitionProblems checks the manifests of a process whose functions
// consume partitioned families, given the ConfigMap's PARTITIONS:
//   - an ordered (leased) function rolls with RollingUpdate, never
//     Recreate, and has a PodDisruptionBudget that bounds disruptions;
//   - its ScaledObject's maxReplicaCount is at most the partition count
//     (the registry's and PARTITIONS);
//   - the registry's families have PARTITIONS partitions;
//   - the ScaledObject sums the lag of its triggers: every trigger is
//     named, and advanced.scalingModifiers.formula adds each trigger's
//     metric exactly once and does nothing else (without it the HPA
//     takes the largest trigger's replica count, not the sum), with a
//     target per replica (AverageValue);
//   - the pods get PARTITIONS and PARTITION_LEASE.
//
// It returns what is wrong, one line each.
func partitionProblems(objs []k8sObject, d deployable, partitions int) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	p := d.fewestPartitions()
	if partitions != 0 && p != partitions {
		bad("the registry's families have %d partitions, the ConfigMap's PARTITIONS is %d", p, partitions)
	}
	if o, ok := find(objs, "Deployment", d.name); !ok {
		bad("no Deployment %s", d.name)
	} else if dep, err := decodeAs[deployment](o); err != nil {
		bad("%v", err)
	} else if d.leased() && dep.Spec.Strategy.Type != "RollingUpdate" {
		bad("Deployment %s: strategy %q, want RollingUpdate (ordered by leases: instances hand partitions over, a rollout need not stop the function)",
			d.name, dep.Spec.Strategy.Type)
	}
	if d.leased() {
		if o, ok := find(objs, "PodDisruptionBudget", d.name); !ok {
			bad("no PodDisruptionBudget %s", d.name)
		} else if b, err := decodeAs[pdb](o); err != nil {
			bad("%v", err)
		} else if b.Spec.MaxUnavailable == nil && b.Spec.MinAvailable == nil {
			bad("PodDisruptionBudget %s sets neither maxUnavailable nor minAvailable", d.name)
		}
	}
	env := podEnvNamesOf(objs, d.name)
	for _, k := range []string{"PARTITIONS", "PARTITION_LEASE"} {
		if !env[k] {
			bad("Deployment %s: the pods get no %s", d.name, k)
		}
	}
	o, ok := find(objs, "ScaledObject", d.name)
	if !ok {
		bad("no ScaledObject %s", d.name)
		return out
	}
	so, err := decodeAs[scaledObject](o)
	if err != nil {
		return append(out, err.Error())
	}
	limit := p
	if partitions != 0 && partitions < limit {
		limit = partitions
	}
	switch m := so.Spec.MaxReplicaCount; {
	case m == nil:
		bad("ScaledObject %s: no maxReplicaCount (KEDA's default 100 is above the %d partitions)", d.name, limit)
	case *m > limit:
		bad("ScaledObject %s: maxReplicaCount %d above the partition count %d: instances beyond it own nothing", d.name, *m, limit)
	}
	var names []string
	for i, tr := range so.Spec.Triggers {
		if tr.Name == "" {
			bad("ScaledObject %s: trigger %d (%s) has no name for the formula", d.name, i, tr.Metadata["stream"])
		}
		names = append(names, tr.Name)
	}
	sm := so.Spec.Advanced.ScalingModifiers
	terms := strings.Split(sm.Formula, "+")
	for i := range terms {
		terms[i] = strings.TrimSpace(terms[i])
	}
	sort.Strings(terms)
	sort.Strings(names)
	if !slices.Equal(terms, names) || slices.ContainsFunc(terms, func(s string) bool { return !isIdentifier(s) }) {
		bad("ScaledObject %s: scalingModifiers.formula %q is not the sum of its %d triggers, each once", d.name, sm.Formula, len(names))
	}
	if sm.Target == "" || sm.MetricType != "AverageValue" {
		bad("ScaledObject %s: scalingModifiers target %q, metricType %q: want a target lag per replica (AverageValue)", d.name, sm.Target, sm.MetricType)
	}
	return out
}

// isIdentifier reports whether s is a trigger name a formula can refer
// to: letters, digits and '_', not starting with a digit.
func isIdentifier(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// podEnvNamesOf lists the env var names a Deployment's container gets,
// from env and from the ConfigMaps of envFrom (none for a missing or
// malformed Deployment: partitionProblems reports it).
func podEnvNamesOf(objs []k8sObject, name string) map[string]bool {
	out := map[string]bool{}
	o, ok := find(objs, "Deployment", name)
	if !ok {
		return out
	}
	dep, err := decodeAs[deployment](o)
	if err != nil || len(dep.Spec.Template.Spec.Containers) == 0 {
		return out
	}
	c := dep.Spec.Template.Spec.Containers[0]
	for _, e := range c.Env {
		out[e.Name] = true
	}
	for _, ef := range c.EnvFrom {
		if ef.ConfigMapRef == nil {
			continue
		}
		if cm, ok := find(objs, "ConfigMap", ef.ConfigMapRef.Name); ok {
			data, err := decodeAs[struct {
				Data map[string]string `yaml:"data"`
			}](cm)
			if err == nil {
				for k := range data.Data {
					out[k] = true
				}
			}
		}
	}
	return out
}
