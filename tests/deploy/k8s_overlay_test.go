package deploy

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// k8sClusterDir is the Redis Cluster overlay of the base.
const k8sClusterDir = "deploy/k8s-cluster"

// overlay is the part of an overlay's kustomization.yaml the checks read:
// the base as its one resource and JSON 6902 patches on targets.
type overlay struct {
	Resources []string `yaml:"resources"`
	Patches   []struct {
		Path   string `yaml:"path"`
		Target struct {
			Group   string `yaml:"group"`
			Version string `yaml:"version"`
			Kind    string `yaml:"kind"`
			Name    string `yaml:"name"`
		} `yaml:"target"`
	} `yaml:"patches"`
}

// jsonPatchOp is one operation of a JSON 6902 patch file.
type jsonPatchOp struct {
	Op    string `yaml:"op"`
	Path  string `yaml:"path"`
	Value any    `yaml:"value"`
}

// loadOverlay renders the overlay in dir the way kustomize does for the
// subset it uses: the objects of the base (which must be its only
// resource, ../k8s) with each patch applied, in order, to every object
// its target selects; a patch that selects nothing, or an operation that
// fails (a test that does not hold, a path that is not there), is an
// error, as it is to kustomize.
func loadOverlay(root, dir string) ([]k8sObject, error) {
	var ov overlay
	raw, err := os.ReadFile(filepath.Join(root, dir, "kustomization.yaml"))
	if err != nil {
		return nil, fmt.Errorf("read overlay: %w", err)
	}
	if err := yaml.Unmarshal(raw, &ov); err != nil {
		return nil, fmt.Errorf("parse %s/kustomization.yaml: %w", dir, err)
	}
	base, err := filepath.Rel(dir, k8sDir)
	if err != nil || len(ov.Resources) != 1 || ov.Resources[0] != base {
		return nil, fmt.Errorf("%s: resources %v, want the base alone (%s)", dir, ov.Resources, base)
	}
	_, objs, err := loadKustomization(root)
	if err != nil {
		return nil, err
	}
	for _, p := range ov.Patches {
		var ops []jsonPatchOp
		raw, err := os.ReadFile(filepath.Join(root, dir, p.Path))
		if err != nil {
			return nil, fmt.Errorf("read patch: %w", err)
		}
		if err := yaml.Unmarshal(raw, &ops); err != nil {
			return nil, fmt.Errorf("%s: want a JSON 6902 patch (a list of operations): %w", p.Path, err)
		}
		hit := 0
		for i, o := range objs {
			group, version, _ := strings.Cut(o.APIVersion, "/")
			if version == "" {
				group, version = "", group
			}
			tg := p.Target
			if tg.Kind != o.Kind || tg.Name != "" && tg.Name != o.Metadata.Name ||
				tg.Group != group || tg.Version != "" && tg.Version != version {
				continue
			}
			var tree any
			if err := o.Raw.Decode(&tree); err != nil {
				return nil, err
			}
			for _, op := range ops {
				if tree, err = applyOp(tree, op); err != nil {
					return nil, fmt.Errorf("%s on %s %s: %s %s: %w", p.Path, o.Kind, o.Metadata.Name, op.Op, op.Path, err)
				}
			}
			out, err := yaml.Marshal(tree)
			if err != nil {
				return nil, err
			}
			var node yaml.Node
			if err := yaml.Unmarshal(out, &node); err != nil {
				return nil, err
			}
			objs[i].Raw = node
			hit++
		}
		if hit == 0 {
			return nil, fmt.Errorf("%s: target %+v selects no object of the base", p.Path, p.Target)
		}
	}
	return objs, nil
}

// applyOp applies one JSON 6902 operation (add, remove, replace, test) to
// tree and returns the new tree.
func applyOp(tree any, op jsonPatchOp) (any, error) {
	if !strings.HasPrefix(op.Path, "/") {
		return nil, fmt.Errorf("path must start with /")
	}
	tokens := strings.Split(op.Path[1:], "/")
	for i, tok := range tokens {
		tokens[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
	}
	return patchAt(tree, tokens, op)
}

// patchAt applies op at the path tokens below node.
func patchAt(node any, tokens []string, op jsonPatchOp) (any, error) {
	tok, last := tokens[0], len(tokens) == 1
	switch n := node.(type) {
	case map[string]any:
		child, ok := n[tok]
		if last {
			switch {
			case op.Op == "add":
				n[tok] = op.Value
			case !ok:
				return nil, fmt.Errorf("no member %q", tok)
			case op.Op == "remove":
				delete(n, tok)
			case op.Op == "replace":
				n[tok] = op.Value
			case op.Op == "test":
				if !reflect.DeepEqual(child, op.Value) {
					return nil, fmt.Errorf("test failed: %v, want %v", child, op.Value)
				}
			default:
				return nil, fmt.Errorf("unknown op")
			}
			return n, nil
		}
		if !ok {
			return nil, fmt.Errorf("no member %q", tok)
		}
		v, err := patchAt(child, tokens[1:], op)
		if err != nil {
			return nil, err
		}
		n[tok] = v
		return n, nil
	case []any:
		if last && op.Op == "add" && tok == "-" {
			return append(n, op.Value), nil
		}
		i, err := strconv.Atoi(tok)
		if err != nil || i < 0 || i > len(n) || i == len(n) && !(last && op.Op == "add") {
			return nil, fmt.Errorf("no index %q in a list of %d", tok, len(n))
		}
		if last {
			switch op.Op {
			case "add":
				return append(n[:i], append([]any{op.Value}, n[i:]...)...), nil
			case "remove":
				return append(n[:i], n[i+1:]...), nil
			case "replace":
				n[i] = op.Value
				return n, nil
			case "test":
				if !reflect.DeepEqual(n[i], op.Value) {
					return nil, fmt.Errorf("test failed: %v, want %v", n[i], op.Value)
				}
				return n, nil
			}
			return nil, fmt.Errorf("unknown op")
		}
		v, err := patchAt(n[i], tokens[1:], op)
		if err != nil {
			return nil, err
		}
		n[i] = v
		return n, nil
	default:
		return nil, fmt.Errorf("%q below a scalar", tok)
	}
}
