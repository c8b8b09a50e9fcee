package dashboard

// rate is events per second between two samples; nil when the samples
// do not tell (a counter unknown or gone backwards, a stream or group
// created or dropped in between, no time between them).
type rate = *float64

// rates are a function's throughput between two consecutive samples.
type rates struct {
	// In is events added to the function's streams per second.
	In rate
	// Out is events its group settled (read and acked) per second.
	Out rate
}

// ratesBetween are the rates from sample a to the later sample b.
func ratesBetween(a, b sample) rates {
	dt := b.At.Sub(a.At).Seconds()
	if dt <= 0 || a.Shape != b.Shape || a.Shape == unknown {
		return rates{}
	}
	return rates{In: perSecond(a.Added, b.Added, dt), Out: perSecond(a.Settled, b.Settled, dt)}
}

// perSecond is (to-from)/dt, or nil when either is unknown or the counter
// went backwards (its stream was recreated): never negative.
func perSecond(from, to int64, dt float64) rate {
	if from < 0 || to < 0 || to < from {
		return nil
	}
	r := float64(to-from) / dt
	return &r
}

// latestRates are the rates between the last two of samples (oldest
// first); none with fewer than two.
func latestRates(samples []sample) rates {
	if len(samples) < 2 {
		return rates{}
	}
	return ratesBetween(samples[len(samples)-2], samples[len(samples)-1])
}
