package main

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/ordershop/functions/runtime/ops"
)

// progressMin is the smallest number of entries that gets a progress bar.
const progressMin = 20

// progressBar returns an ops.Progress that draws a bar with counts on w,
// and a func that finishes it; with show false both do nothing.
func progressBar(w io.Writer, show bool, verb string) (ops.Progress, func()) {
	if !show {
		return nil, func() {}
	}
	var bar *progressbar.ProgressBar
	update := func(done, total int) {
		if total < progressMin {
			return
		}
		if bar == nil {
			bar = progressbar.NewOptions(total,
				progressbar.OptionSetWriter(w),
				progressbar.OptionSetDescription(verb),
				progressbar.OptionShowCount(),
				progressbar.OptionSetWidth(30),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionOnCompletion(func() { _, _ = io.WriteString(w, "\n") }),
			)
		}
		if done > bar.GetMax() {
			bar.ChangeMax(done)
		}
		_ = bar.Set(done)
	}
	finish := func() {
		if bar != nil {
			_ = bar.Finish()
		}
	}
	return update, finish
}
