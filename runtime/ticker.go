package runtime

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// everyStream is the loop of a background duty that works stream by
// stream: every interval it calls exec for each of f's streams until ctx
// ends, and logs a failure once per outage (failed at Warn when a round
// first fails, recovered at Info when one succeeds again).
func everyStream(ctx context.Context, f *function, interval time.Duration, failed, recovered string, exec func(stream string) error) {
	t := time.NewTicker(interval)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var err error
		for _, s := range f.Streams {
			if e := exec(s); e != nil {
				err = e
			}
		}
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			f.logger.Warn(failed, zap.Error(err))
			failing = true
		case err == nil && failing:
			f.logger.Info(recovered)
			failing = false
		}
	}
}
