package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"
)

// k8sDir is the kustomize base, relative to the repository root.
const k8sDir = "deploy/k8s"

// k8sObject is the part of a Kubernetes object every check needs; Raw
// keeps the document for decoding into a kind's own type.
type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	File string    `yaml:"-"`
	Raw  yaml.Node `yaml:"-"`
}

// kustomization is the base's kustomization.yaml.
type kustomization struct {
	Resources []string `yaml:"resources"`
	Images    []struct {
		Name string `yaml:"name"`
	} `yaml:"images"`
}

// envVar is one container env entry.
type envVar struct {
	Name      string `yaml:"name"`
	Value     string `yaml:"value"`
	ValueFrom *struct {
		SecretKeyRef *struct {
			Name string `yaml:"name"`
			Key  string `yaml:"key"`
		} `yaml:"secretKeyRef"`
	} `yaml:"valueFrom"`
}

// httpProbe is a liveness or readiness probe.
type httpProbe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
}

// container is the part of a container spec the checks read.
type container struct {
	Name    string   `yaml:"name"`
	Image   string   `yaml:"image"`
	Env     []envVar `yaml:"env"`
	EnvFrom []struct {
		ConfigMapRef *struct {
			Name string `yaml:"name"`
		} `yaml:"configMapRef"`
	} `yaml:"envFrom"`
	LivenessProbe  *httpProbe `yaml:"livenessProbe"`
	ReadinessProbe *httpProbe `yaml:"readinessProbe"`
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext struct {
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
	} `yaml:"securityContext"`
}

// deployment is an apps/v1 Deployment, as far as the checks go.
type deployment struct {
	Spec struct {
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Strategy struct {
			Type string `yaml:"type"`
		} `yaml:"strategy"`
		Template struct {
			Spec struct {
				TerminationGracePeriodSeconds *int `yaml:"terminationGracePeriodSeconds"`
				SecurityContext               struct {
					RunAsNonRoot *bool `yaml:"runAsNonRoot"`
					RunAsUser    *int  `yaml:"runAsUser"`
				} `yaml:"securityContext"`
				Containers []container `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

// scaledObject is a keda.sh/v1alpha1 ScaledObject.
type scaledObject struct {
	Spec struct {
		ScaleTargetRef struct {
			Name string `yaml:"name"`
		} `yaml:"scaleTargetRef"`
		MinReplicaCount *int `yaml:"minReplicaCount"`
		MaxReplicaCount *int `yaml:"maxReplicaCount"`
		Advanced        struct {
			ScalingModifiers struct {
				Formula    string `yaml:"formula"`
				Target     string `yaml:"target"`
				MetricType string `yaml:"metricType"`
			} `yaml:"scalingModifiers"`
		} `yaml:"advanced"`
		Triggers []struct {
			Type     string            `yaml:"type"`
			Name     string            `yaml:"name"`
			Metadata map[string]string `yaml:"metadata"`
		} `yaml:"triggers"`
	} `yaml:"spec"`
}

// pdb is a policy/v1 PodDisruptionBudget.
type pdb struct {
	Spec struct {
		MaxUnavailable any `yaml:"maxUnavailable"`
		MinAvailable   any `yaml:"minAvailable"`
		Selector       struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
	} `yaml:"spec"`
}

// service is a v1 Service.
type service struct {
	Spec struct {
		Selector map[string]string `yaml:"selector"`
		Ports    []struct {
			TargetPort any `yaml:"targetPort"`
		} `yaml:"ports"`
	} `yaml:"spec"`
}

// loadKustomization reads the base's kustomization and every object of
// every resource file it lists (multi-document YAML).
func loadKustomization(root string) (kustomization, []k8sObject, error) {
	var k kustomization
	dir := filepath.Join(root, k8sDir)
	raw, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return k, nil, fmt.Errorf("read kustomization: %w", err)
	}
	if err := yaml.Unmarshal(raw, &k); err != nil {
		return k, nil, fmt.Errorf("parse kustomization.yaml: %w", err)
	}
	var objs []k8sObject
	for _, res := range k.Resources {
		got, err := loadObjects(filepath.Join(dir, res))
		if err != nil {
			return k, nil, err
		}
		objs = append(objs, got...)
	}
	return k, objs, nil
}

// loadObjects parses every document of a YAML file as a Kubernetes object.
func loadObjects(path string) ([]k8sObject, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	var out []k8sObject
	for i := 0; ; i++ {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("parse %s document %d: %w", path, i, err)
		}
		var o k8sObject
		if err := node.Decode(&o); err != nil {
			return nil, fmt.Errorf("decode %s document %d: %w", path, i, err)
		}
		if o.Kind == "" || o.APIVersion == "" || o.Metadata.Name == "" {
			return nil, fmt.Errorf("%s document %d: missing apiVersion, kind or metadata.name", path, i)
		}
		o.File, o.Raw = filepath.Base(path), node
		out = append(out, o)
	}
}

// find returns the object of kind and name, if any.
func find(objs []k8sObject, kind, name string) (k8sObject, bool) {
	for _, o := range objs {
		if o.Kind == kind && o.Metadata.Name == name {
			return o, true
		}
	}
	return k8sObject{}, false
}

// decodeAs decodes the object into its kind's type.
func decodeAs[T any](o k8sObject) (T, error) {
	var v T
	if err := o.Raw.Decode(&v); err != nil {
		return v, fmt.Errorf("%s %s in %s: %w", o.Kind, o.Metadata.Name, o.File, err)
	}
	return v, nil
}
