package gateway

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
)

// Idempotent commands: a POST, PUT or DELETE with an Idempotency-Key
// header is done once. The key is claimed in the same atomic step as the
// command's events (eventstore.Claim), with the answer, so that a repeat
// (even a concurrent one) answers the first answer and writes nothing.
const (
	// IdempotencyHeader is the request header that names a command.
	IdempotencyHeader = "Idempotency-Key"
	// ReplayedHeader is set to "true" on an answer that repeats the answer
	// of an earlier request with the same key.
	ReplayedHeader = "Idempotent-Replayed"
	// MaxIdempotencyKeyLength is the longest key accepted.
	MaxIdempotencyKeyLength = 255
	// DefaultIdempotencyTTL is how long a key is remembered.
	DefaultIdempotencyTTL = 24 * time.Hour
)

// idempotencyRedisKey is where a key's record lives:
// shop:idempotency:<hex SHA-256 of the key>.
func idempotencyRedisKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "shop:idempotency:" + hex.EncodeToString(sum[:])
}

// idempotencyRecord is what a claimed key holds: the fingerprint of the
// request that claimed it and its answer.
type idempotencyRecord struct {
	Fingerprint string `json:"fingerprint"`
	Answer      answer `json:"answer"`
}

// idempotentRequest is a request that carries a key, in its context.
type idempotentRequest struct {
	redisKey, fingerprint string
}

type idempotentKey struct{}

// fingerprint identifies a request: method, path and body.
func fingerprint(method, path string, body []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s %s\n", method, path)
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// checkIdempotencyKey refuses an empty key, one longer than
// MaxIdempotencyKeyLength, or one with other than visible ASCII.
func checkIdempotencyKey(key string) error {
	if key == "" || len(key) > MaxIdempotencyKeyLength {
		return badRequest("header %s must be 1 to %d characters", IdempotencyHeader, MaxIdempotencyKeyLength)
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return badRequest("header %s may hold visible ASCII characters only", IdempotencyHeader)
		}
	}
	return nil
}

// idempotent wraps a command: with an Idempotency-Key, a request whose key
// is recorded answers the recorded answer (or 422 if the key was used for
// another request); else the command runs and execute claims the key.
func (g *Gateway) idempotent(h apiHandler) apiHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		keys, ok := r.Header[http.CanonicalHeaderKey(IdempotencyHeader)]
		if !ok {
			return h(w, r)
		}
		if len(keys) != 1 {
			return badRequest("header %s given %d times", IdempotencyHeader, len(keys))
		}
		if err := checkIdempotencyKey(keys[0]); err != nil {
			return err
		}
		body, err := readBody(r)
		if err != nil {
			return err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		req := idempotentRequest{redisKey: idempotencyRedisKey(keys[0]), fingerprint: fingerprint(r.Method, r.URL.Path, body)}
		prev, err := g.cfg.Redis.Get(r.Context(), req.redisKey).Result()
		switch {
		case err == nil:
			return replay(w, prev, req.fingerprint)
		case !errors.Is(err, redis.Nil):
			return fmt.Errorf("read idempotency key: %w", err)
		}
		return h(w, r.WithContext(context.WithValue(r.Context(), idempotentKey{}, req)))
	}
}

// replay answers the recorded answer of a key, or 422 when the record is
// of another request.
func replay(w http.ResponseWriter, record, fingerprint string) error {
	var rec idempotencyRecord
	if err := json.Unmarshal([]byte(record), &rec); err != nil {
		return fmt.Errorf("decode idempotency record: %w", err)
	}
	if rec.Fingerprint != fingerprint {
		return errorf(http.StatusUnprocessableEntity, "%s was used for another request (other method, path or body)", IdempotencyHeader)
	}
	w.Header().Set(ReplayedHeader, "true")
	rec.Answer.write(w)
	return nil
}

// execute writes a command's events (with its guards) and sends its
// answer. With an Idempotency-Key the key is claimed in the same atomic
// step; if another request claimed it first, nothing is written and that
// request's answer is sent.
func (g *Gateway) execute(w http.ResponseWriter, r *http.Request, cmd eventstore.Command, a answer) error {
	req, keyed := r.Context().Value(idempotentKey{}).(idempotentRequest)
	if keyed {
		rec, err := json.Marshal(idempotencyRecord{Fingerprint: req.fingerprint, Answer: a})
		if err != nil {
			return fmt.Errorf("encode idempotency record: %w", err)
		}
		cmd.Claim = &eventstore.Claim{Key: req.redisKey, Value: string(rec), TTL: g.cfg.IdempotencyTTL}
	}
	res, err := g.events.Commit(r.Context(), cmd)
	if err != nil {
		return err
	}
	if res.Replayed {
		return replay(w, res.Previous, req.fingerprint)
	}
	a.write(w)
	return nil
}
