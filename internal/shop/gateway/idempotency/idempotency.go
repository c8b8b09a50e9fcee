// Package idempotency does a shop command with an Idempotency-Key header
// once: the key is claimed in the same atomic step as the command's events
// (eventstore.Claim), with the answer, so that a repeat (even a concurrent
// one) answers the first answer and writes nothing.
package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/gateway/input"
	"github.com/ordershop/functions/internal/shop/gateway/respond"
	"github.com/ordershop/functions/runtime/partition"
)

// The header and its limits.
const (
	// Header is the request header that names a command.
	Header = "Idempotency-Key"
	// ReplayedHeader is set to "true" on an answer that repeats the answer
	// of an earlier request with the same key.
	ReplayedHeader = "Idempotent-Replayed"
	// MaxKeyLength is the longest key accepted.
	MaxKeyLength = 255
	// DefaultTTL is how long a key is remembered.
	DefaultTTL = 24 * time.Hour
)

// Keys does keyed commands once, remembering their keys in Redis.
type Keys struct {
	rdb        redis.UniversalClient
	events     Committer
	ttl        time.Duration
	partitions int
}

// New remembers keys in rdb for ttl (0 or less: DefaultTTL), each in one
// of partitions partitions (the event log's count; 0 means
// partition.DefaultCount), by its hash: KeyPartition. Commands are
// written with events.
func New(rdb redis.UniversalClient, events Committer, ttl time.Duration, partitions int) *Keys {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if partitions <= 0 {
		partitions = partition.DefaultCount
	}
	return &Keys{rdb: rdb, events: events, ttl: ttl, partitions: partitions}
}

// Committer writes a command's events (eventstore.Store): Commit writes
// one, Resume finishes one a failure interrupted, Confirm makes sure a
// record about to be answered again is on the replicas. Each returns an
// *eventstore.ShortError when what it wrote (or found) was not
// acknowledged by the replicas asked for.
type Committer interface {
	Commit(ctx context.Context, cmd eventstore.Command) (eventstore.Result, error)
	Resume(ctx context.Context, key string) (string, error)
	Confirm(ctx context.Context, key string) error
}

// RedisKey is where a key's record lives: in the hash slot of its
// partition p (KeyPartition), shop:idempotency:{p<p>}:<hex SHA-256 of the
// key>. It depends on the key alone, so that any request with the key
// finds it (and a request other than the first is answered 422); a new
// entity of a POST with the key is put in the same partition (so that on
// a Redis Cluster its claim and events are one script).
func RedisKey(key string, p int) string {
	return "shop:idempotency:" + partition.Tag(p) + ":" + keyHash(key)
}

// keyHash is the hex SHA-256 of a key.
func keyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// KeyPartition is the partition of a key's record, of count partitions:
// that of the hex SHA-256 of the key.
func KeyPartition(key string, count int) int { return partition.Of(keyHash(key), count) }

// Partition is the partition of the Idempotency-Key's record of the
// request of ctx: a POST puts its new entities there. ok is false for a
// request without a key.
func Partition(ctx context.Context) (int, bool) {
	req, ok := ctx.Value(contextKey{}).(keyedRequest)
	return req.partition, ok
}

// record is what a claimed key holds: the fingerprint of the request that
// claimed it and its answer.
type record struct {
	Fingerprint string         `json:"fingerprint"`
	Answer      respond.Answer `json:"answer"`
}

// keyedRequest is a request that carries a key, in its context.
type keyedRequest struct {
	redisKey, fingerprint string
	partition             int
}

// contextKey is the context key of a keyedRequest.
type contextKey struct{}

// fingerprint identifies a request: method, path and body.
func fingerprint(method, path string, body []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s %s\n", method, path)
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// checkKey refuses an empty key, one longer than MaxKeyLength, or one
// with other than visible ASCII.
func checkKey(key string) error {
	if key == "" || len(key) > MaxKeyLength {
		return respond.BadRequest("header %s must be 1 to %d characters", Header, MaxKeyLength)
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return respond.BadRequest("header %s may hold visible ASCII characters only", Header)
		}
	}
	return nil
}

// Wrap wraps a command: with an Idempotency-Key, a request whose key is
// recorded answers the recorded answer (or 422 if the key was used for
// another request); else the command runs and Execute claims the key.
// A record of a command done in steps on a Redis Cluster that is not
// finished (the first request failed or is still running) is finished
// first (Committer.Resume), then answered.
//
// A recorded answer is the answer of the request that wrote the command
// (a 201 or 200, never the 503 of a write that fell short of its
// replicas, which records the success answer it would have sent). With
// replicas asked for it is answered once they have the record
// (Committer.Confirm): a retry while they still lack it answers 503
// again, as the first request did.
func (k *Keys) Wrap(h respond.Handler) respond.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		keys, ok := r.Header[http.CanonicalHeaderKey(Header)]
		if !ok {
			return h(w, r)
		}
		if len(keys) != 1 {
			return respond.BadRequest("header %s given %d times", Header, len(keys))
		}
		if err := checkKey(keys[0]); err != nil {
			return err
		}
		body, err := input.ReadBody(r)
		if err != nil {
			return err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		p := KeyPartition(keys[0], k.partitions)
		req := keyedRequest{redisKey: RedisKey(keys[0], p), fingerprint: fingerprint(r.Method, r.URL.Path, body), partition: p}
		prev, err := k.rdb.Get(r.Context(), req.redisKey).Result()
		if err == nil && eventstore.IsPending(prev) {
			prev, err = k.events.Resume(r.Context(), req.redisKey)
			var short *eventstore.ShortError
			if errors.As(err, &short) {
				return unreplicated(short, true)
			}
			if err == nil && prev == "" {
				err = redis.Nil // it failed and wrote nothing: run it
			}
		}
		switch {
		case err == nil:
			return k.replay(r.Context(), w, req.redisKey, prev, req.fingerprint)
		case !errors.Is(err, redis.Nil):
			return fmt.Errorf("read idempotency key: %w", err)
		}
		return h(w, r.WithContext(context.WithValue(r.Context(), contextKey{}, req)))
	}
}

// replay answers the recorded answer at redisKey once the replicas have
// it (503 while they do not), or 422 when the record is of another
// request.
func (k *Keys) replay(ctx context.Context, w http.ResponseWriter, redisKey, recorded, fingerprint string) error {
	var rec record
	if err := json.Unmarshal([]byte(recorded), &rec); err != nil {
		return fmt.Errorf("decode idempotency record: %w", err)
	}
	if rec.Fingerprint != fingerprint {
		return respond.Errorf(http.StatusUnprocessableEntity, "%s was used for another request (other method, path or body)", Header)
	}
	err := k.events.Confirm(ctx, redisKey)
	var short *eventstore.ShortError
	if errors.As(err, &short) {
		return unreplicated(short, true)
	}
	if err != nil {
		return err
	}
	w.Header().Set(ReplayedHeader, "true")
	rec.Answer.Write(w)
	return nil
}

// Execute writes a command's events (with its guards) and sends its
// answer. With an Idempotency-Key (see Wrap) the key is claimed in the
// same atomic step; if another request claimed it first, nothing is
// written and that request's answer is sent. A command written that its
// replicas did not acknowledge in time (eventstore.ShortError) answers
// 503 (unreplicated); its record holds answer a, which a retry with the
// same key gets.
func (k *Keys) Execute(w http.ResponseWriter, r *http.Request, cmd eventstore.Command, a respond.Answer) error {
	req, keyed := r.Context().Value(contextKey{}).(keyedRequest)
	if keyed {
		rec, err := json.Marshal(record{Fingerprint: req.fingerprint, Answer: a})
		if err != nil {
			return fmt.Errorf("encode idempotency record: %w", err)
		}
		cmd.Claim = &eventstore.Claim{Key: req.redisKey, Value: string(rec), TTL: k.ttl}
	}
	res, err := k.events.Commit(r.Context(), cmd)
	var short *eventstore.ShortError
	if errors.As(err, &short) {
		return unreplicated(short, keyed)
	}
	if err != nil {
		return err
	}
	if res.Replayed {
		return k.replay(r.Context(), w, req.redisKey, res.Previous, req.fingerprint)
	}
	a.Write(w)
	return nil
}

// unreplicated is the 503 of a command written on its master that fewer
// replicas than asked for acknowledged in time: it may be lost if the
// master fails now. With a key the client retries it with the same key
// (the retry answers the recorded answer, or does the command again if a
// failover lost it).
func unreplicated(short *eventstore.ShortError, keyed bool) error {
	what := fmt.Sprintf("not replicated to %s within %s", plural(short.Want, "replica"), short.Timeout)
	if short.Got > 0 {
		what = fmt.Sprintf("replicated to %d of the %s asked for within %s", short.Got, plural(short.Want, "replica"), short.Timeout)
	}
	next := "retry it with the same " + Header
	if !keyed {
		next = "it may be lost if the master fails (send commands with an " + Header + " to retry them safely)"
	}
	return respond.Errorf(http.StatusServiceUnavailable, "the command was written but %s; %s", what, next)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
