// Command worker is the function process of the runtime's conformance
// suite (package runtimetest): one function on one stream, run by
// runtime.Main, whose handler does what the suite asks through the
// environment, so that a test can kill, pause or starve a real process.
//
// Every invocation first appends "<event id>|<consumer>|<attempt>" to the
// list <STREAM>:runs (outside the commit, best effort: a record of runs,
// not of effects), then, unless told to fail, emits one event to <STREAM>:out
// with event id "out-<event id>" and the entry's ordering key, which the
// runtime commits with the ack.
//
//	FUNCTION, STREAM    the function's name and its stream
//	ORDERING_KEY        the Function's OrderingKey (optional)
//	WORKER_SLEEP        time each invocation takes (a Go duration)
//	WORKER_FAIL         event ids whose invocations fail, comma-separated;
//	                    with WORKER_FAIL_TIMES=n only their first n attempts
//	WORKER_PERMANENT    event ids that fail with a permanent error
//	WORKER_EXIT_ON      event ids that make the process exit (code 3) mid-run
//	WORKER_HANG_ON      event ids whose invocations never return, ignoring ctx
//	PARTITIONED         "1": STREAM names a partitioned family (PARTITIONS)
//
// and every setting of runtime.Config (REDIS_URL, CLAIM_MIN_IDLE, ...).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ordershop/functions/runtime"
)

// behaviour is what the handler does, from the environment.
type behaviour struct {
	sleep     time.Duration
	fail      map[string]bool
	failTimes int
	permanent map[string]bool
	exitOn    map[string]bool
	hangOn    map[string]bool
}

func set(env string) map[string]bool {
	out := map[string]bool{}
	for _, id := range strings.Split(os.Getenv(env), ",") {
		if id = strings.TrimSpace(id); id != "" {
			out[id] = true
		}
	}
	return out
}

func readBehaviour() (behaviour, error) {
	b := behaviour{fail: set("WORKER_FAIL"), permanent: set("WORKER_PERMANENT"), exitOn: set("WORKER_EXIT_ON"), hangOn: set("WORKER_HANG_ON")}
	if s := os.Getenv("WORKER_SLEEP"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			return b, fmt.Errorf("WORKER_SLEEP: %w", err)
		}
		b.sleep = d
	}
	if s := os.Getenv("WORKER_FAIL_TIMES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return b, fmt.Errorf("WORKER_FAIL_TIMES: %w", err)
		}
		b.failTimes = n
	}
	return b, nil
}

func main() {
	stream, orderingKey := os.Getenv("STREAM"), os.Getenv("ORDERING_KEY")
	runtime.Main("conformance-worker", func(app *runtime.App) (runtime.Setup, error) {
		b, err := readBehaviour()
		if err != nil {
			return runtime.Setup{}, err
		}
		consumer := app.Config.ConsumerName
		handler := runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			// Best effort: with Redis down the run goes unrecorded, and
			// the invocation goes on to its commit, as real work would.
			run := fmt.Sprintf("%s|%s|%d", m.EventID, consumer, m.Attempt)
			_ = app.Redis.RPush(context.WithoutCancel(ctx), stream+":runs", run).Err()
			switch {
			case b.exitOn[m.EventID]:
				os.Exit(3)
			case b.hangOn[m.EventID]:
				select {} // a handler that ignores its context
			}
			if b.sleep > 0 {
				select {
				case <-time.After(b.sleep):
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			switch {
			case b.permanent[m.EventID]:
				return runtime.Permanent(errors.New("refused for good"))
			case b.fail[m.EventID] && (b.failTimes == 0 || m.Attempt <= b.failTimes):
				return fmt.Errorf("attempt %d of %s fails", m.Attempt, m.EventID)
			}
			m.Emit(stream+":out", map[string]string{
				runtime.FieldType: "done", runtime.FieldEventID: "out-" + m.EventID, runtime.FieldData: "{}",
				"key": m.Fields[orderingKey], "by": consumer,
			})
			return nil
		})
		return runtime.Setup{Functions: []runtime.Function{{
			Name: os.Getenv("FUNCTION"), Streams: []string{stream}, Handler: handler, OrderingKey: orderingKey,
			Partitioned: os.Getenv("PARTITIONED") == "1",
		}}}, nil
	})
}
