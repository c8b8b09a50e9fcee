package runtime_test

import (
	"time"

	"github.com/ordershop/functions/runtime"
)

// setInvocationTimeout sets the default invocation timeout of cfg.
func setInvocationTimeout(cfg *runtime.Config, d time.Duration) { cfg.InvocationTimeout = d }
