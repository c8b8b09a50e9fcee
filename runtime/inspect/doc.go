// Package inspect is the operator's read and act API over the functions
// of package runtime registered in one Redis: Inspector (see New) reads
// the registry, each group's lag, pending entries and consumers, the
// retries in the asynq queues, the dead letters (list, filter, count,
// replay, purge) and the positions and entries of any stream. It reads
// and acts only through the runtime's published data model (the registry,
// dlq:<function> in the runtime.DLQField* format, runtime.RetryQueue) and
// never runs handlers; the runtime itself does not use it. The operator
// tools (runtime/ops, the CLI, /admin, the dashboard) are built on it.
package inspect

import "errors"

// ErrNotFound is wrapped by the Inspector's errors about something that
// does not exist: an unknown function, a dead letter or stream that is not
// there. Operator tools map it to "not found" (exit 3, HTTP 404).
var ErrNotFound = errors.New("not found")

// ErrInvalid is wrapped by the Inspector's errors about a request that
// cannot be right: a malformed entry id, a Selection with both ids and all,
// or neither. Operator tools map it to a usage error (exit 2, HTTP 400).
var ErrInvalid = errors.New("invalid request")
