package duty

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/rdb"
)

// Owner keeps this instance's share of an ordered function's partitions
// (see engine/tenure for what owning one means). Every third of the
// lease's life it renews its membership (the live instances sharing the
// function), renews the leases it holds, and rebalances:
//
//   - its fair share is Partitions/n, one more for the first
//     Partitions%n instances in name order, n being the live members;
//   - sticky: it keeps what it holds up to its share, gives up only what
//     is above it (Release: the engine drains the partition first), and
//     takes free partitions (no lease: never owned, released, or expired
//     after a crash or pause) while below it;
//   - a lease it fails to renew (taken over, expired) is lost at once
//     (Lost), and so is one not renewed for a whole lease's life while
//     Redis is away.
//
// Acquisitions are exclusive (lease.lua), so two instances with different
// views of the membership may be unbalanced for a round, never both
// owners.
type Owner struct {
	p       OwnerParams
	t       *Ticker
	stopped atomic.Bool // StopAcquiring was called

	mu   sync.Mutex
	held map[int]*tenure
}

// tenure is one partition this instance holds.
type tenure struct {
	token     string
	renewed   time.Time // last successful acquisition or renewal
	releasing bool      // being drained to be given up
}

// OwnerParams is what the owner needs.
type OwnerParams struct {
	Logger     *zap.Logger
	Leases     *rdb.Leases
	Partitions int
	// TTL is the life of a lease and of a membership (PARTITION_LEASE).
	TTL time.Duration
	// Acquired starts the work on a partition just acquired under token
	// (recovery of its pending entries, then reading); it must not block.
	Acquired func(p int, token string)
	// Drain stops reading partition p and waits, bounded, until what was
	// read of it has settled; the lease is released after it.
	Drain func(ctx context.Context, p int)
	// Lost drops partition p at once: its lease is no longer this
	// instance's.
	Lost func(p int)
	// Changed is told the number of partitions held after every change,
	// and Event every acquisition ("acquired"), release ("released") and
	// loss ("lost").
	Changed func(held int)
	Event   func(kind string, p int)
}

// NewOwner returns the owner of one function's partitions; base ends its
// rounds.
func NewOwner(base context.Context, p OwnerParams) *Owner {
	o := &Owner{p: p, held: map[int]*tenure{}}
	o.t = newTicker(base, tickerParams{
		logger: p.Logger, interval: p.TTL / 3, first: true, exec: o.round,
		failed:    "partition ownership: Redis failing; leases not renewed expire",
		recovered: "partition ownership recovered",
		stopped:   o.releaseAll,
	})
	return o
}

// Start runs the owner on a goroutine of its own, counted in wg.
func (o *Owner) Start(wg *sync.WaitGroup) { o.t.Start(wg) }

// StopAcquiring ends rebalancing (shutdown's first step): the owner takes
// and gives up nothing more, but keeps renewing what it holds until
// Shutdown.
func (o *Owner) StopAcquiring() { o.stopped.Store(true) }

// Shutdown stops the owner: it releases every lease it holds and ends its
// membership (on its goroutine, before wg is done), so that the peers take
// the partitions over at their next round.
func (o *Owner) Shutdown() { o.t.Shutdown() }

// Token returns the token under which this instance holds partition p, or
// "" if it does not.
func (o *Owner) Token(p int) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if t := o.held[p]; t != nil {
		return t.token
	}
	return ""
}

// Held returns the partitions held, with their tokens.
func (o *Owner) Held() map[int]string {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make(map[int]string, len(o.held))
	for p, t := range o.held {
		out[p] = t.token
	}
	return out
}

func (o *Owner) round(ctx context.Context) error {
	members, err := o.p.Leases.Heartbeat(ctx, o.p.TTL)
	rerr := o.renew(ctx)
	if err == nil {
		err = rerr
	}
	if err != nil || o.stopped.Load() {
		return err
	}
	return o.rebalance(ctx, members)
}

// renew renews every lease held; a lease found lost, or not renewed for a
// whole TTL, is dropped.
func (o *Owner) renew(ctx context.Context) error {
	var failed error
	for p, token := range o.Held() {
		ok, err := o.p.Leases.Renew(ctx, p, token, o.p.TTL)
		o.mu.Lock()
		t := o.held[p]
		switch {
		case t == nil || t.token != token:
		case err == nil && ok:
			t.renewed = time.Now()
		case err == nil || time.Since(t.renewed) >= o.p.TTL:
			delete(o.held, p)
			o.mu.Unlock()
			o.p.Logger.Warn("partition lost: its lease passed on or expired; in-flight work there is fenced",
				zap.Int("partition", p), zap.String("token", token), zap.Error(err))
			o.p.Lost(p)
			o.notify("lost", p)
			continue
		}
		o.mu.Unlock()
		if err != nil {
			failed = err
		}
	}
	return failed
}

// share is this instance's fair share of the partitions among members.
func (o *Owner) share(members []string) int {
	n, idx := len(members), -1
	for i, m := range members {
		if m == o.p.Leases.Consumer {
			idx = i
		}
	}
	if idx < 0 { // not listed yet (membership written, read back stale)
		n, idx = n+1, n
	}
	s := o.p.Partitions / n
	if idx < o.p.Partitions%n {
		s++
	}
	return s
}

func (o *Owner) rebalance(ctx context.Context, members []string) error {
	share := o.share(members)
	o.mu.Lock()
	var keep []int
	for p, t := range o.held {
		if !t.releasing {
			keep = append(keep, p)
		}
	}
	o.mu.Unlock()
	if len(keep) > share {
		// Give up the highest-numbered ones above the share.
		slices.Sort(keep)
		for _, p := range keep[share:] {
			o.release(ctx, p)
		}
		return nil
	}
	if len(keep) == share {
		return nil
	}
	holders, err := o.p.Leases.Holders(ctx, o.p.Partitions)
	if err != nil {
		return err
	}
	want := share - len(keep)
	start := 0
	for i, m := range members {
		if m == o.p.Leases.Consumer {
			start = i * o.p.Partitions / max(len(members), 1)
		}
	}
	for k := 0; k < o.p.Partitions && want > 0; k++ {
		p := (start + k) % o.p.Partitions
		if holders[p] != "" {
			continue
		}
		token, ok, err := o.p.Leases.Acquire(ctx, p, o.p.TTL)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		o.mu.Lock()
		o.held[p] = &tenure{token: token, renewed: time.Now()}
		o.mu.Unlock()
		want--
		o.p.Logger.Info("partition acquired", zap.Int("partition", p), zap.String("token", token))
		o.notify("acquired", p)
		o.p.Acquired(p, token)
	}
	return nil
}

// release drains partition p and gives up its lease, on a goroutine of
// its own; the lease is renewed meanwhile.
func (o *Owner) release(ctx context.Context, p int) {
	o.mu.Lock()
	t := o.held[p]
	if t == nil || t.releasing {
		o.mu.Unlock()
		return
	}
	t.releasing = true
	token := t.token
	o.mu.Unlock()
	o.p.Logger.Info("partition handed over: draining, then releasing its lease", zap.Int("partition", p))
	go func() {
		o.p.Drain(ctx, p)
		if ctx.Err() != nil {
			return // shutting down: releaseAll gives it up once committed
		}
		o.mu.Lock()
		if cur := o.held[p]; cur == nil || cur.token != token {
			o.mu.Unlock()
			return // lost meanwhile
		}
		delete(o.held, p)
		o.mu.Unlock()
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		if _, err := o.p.Leases.Release(rctx, p, token); err != nil {
			o.p.Logger.Warn("release lease: it expires by itself", zap.Int("partition", p), zap.Error(err))
		}
		o.p.Lost(p)
		o.notify("released", p)
	}()
}

// releaseAll gives up every lease held and the membership: the end of
// shutdown, once what was settled is committed.
func (o *Owner) releaseAll() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for p, token := range o.Held() {
		if _, err := o.p.Leases.Release(ctx, p, token); err != nil {
			o.p.Logger.Warn("release lease at shutdown: it expires by itself", zap.Int("partition", p), zap.Error(err))
		}
		o.mu.Lock()
		delete(o.held, p)
		o.mu.Unlock()
		o.notify("released", p)
	}
	if err := o.p.Leases.Leave(ctx); err != nil {
		o.p.Logger.Warn("leave membership: it expires by itself", zap.Error(err))
	}
}

func (o *Owner) notify(kind string, p int) {
	if o.p.Event != nil {
		o.p.Event(kind, p)
	}
	if o.p.Changed != nil {
		o.mu.Lock()
		n := len(o.held)
		o.mu.Unlock()
		o.p.Changed(n)
	}
}
