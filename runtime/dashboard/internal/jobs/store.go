package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime/dashboard/internal/form"
	"github.com/ordershop/functions/runtime/ops"
)

// maxJobsListed caps the jobs the index keeps and List returns.
const maxJobsListed = 200

// maxJobFailures caps the failed entries a job's record lists.
const maxJobFailures = 20

// Store keeps jobs in Redis: each a hash <prefix>:jobs:<id> that
// expires ttl after its last write, and the sorted set <prefix>:jobs
// of their ids by start time. Every key is used alone (no multi-key
// command), so it works on a cluster too.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	ttl    time.Duration
	// notFound is a job id without a record (never made, or expired).
	notFound error
}

// NewStore keeps jobs in rdb under prefix, each for ttl after its last
// write.
func NewStore(rdb redis.UniversalClient, prefix string, ttl time.Duration) Store {
	return Store{rdb: rdb, prefix: prefix, ttl: ttl, notFound: fmt.Errorf("no such job (records are kept %s): %w", ttl, ops.ErrNotFound)}
}

// index is the sorted set of job ids.
func (s Store) index() string { return s.prefix + ":jobs" }

// key is job id's hash.
func (s Store) key(id string) string { return s.prefix + ":jobs:" + id }

// ms is t as Unix milliseconds for a field ("0" for the zero time).
func ms(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

// create writes a new job's record and indexes it.
func (s Store) create(ctx context.Context, j Job) error {
	fields := map[string]any{
		"id": j.ID, "action": j.Action, "function": j.Function,
		"type": j.Search.Type, "error": j.Search.Error, "since": j.Search.Since, "until": j.Search.Until,
		"state": j.State, "runner": j.Runner, "started": ms(j.Started), "heartbeat": ms(j.Heartbeat),
		"total": 0, "done": 0, "done_before": 0, "replayed": 0, "skipped": 0, "failed": 0, "purged": 0, "resumes": 0,
	}
	key := s.key(j.ID)
	if _, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, fields)
		p.PExpire(ctx, key, s.ttl)
		return nil
	}); err != nil {
		return fmt.Errorf("create job %s: %w", j.ID, err)
	}
	idx := s.index()
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, idx, redis.Z{Score: float64(j.Started.UnixMilli()), Member: j.ID})
		p.ZRemRangeByScore(ctx, idx, "-inf", "("+ms(j.Started.Add(-s.ttl)))
		p.ZRemRangeByRank(ctx, idx, 0, -maxJobsListed-1)
		p.PExpire(ctx, idx, s.ttl)
		return nil
	}); err != nil {
		return fmt.Errorf("index job %s: %w", j.ID, err)
	}
	return nil
}

// Get reads job id; a missing record is an ops.ErrNotFound.
func (s Store) Get(ctx context.Context, id string) (Job, error) {
	m, err := s.rdb.HGetAll(ctx, s.key(id)).Result()
	if err != nil {
		return Job{}, fmt.Errorf("read job %s: %w", id, err)
	}
	if len(m) == 0 {
		return Job{}, s.notFound
	}
	return jobFrom(m), nil
}

// List returns the newest jobs, newest first, dropping expired ones from
// the index.
func (s Store) List(ctx context.Context) ([]Job, error) {
	ids, err := s.rdb.ZRevRange(ctx, s.index(), 0, maxJobsListed-1).Result()
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.key(id))
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read jobs: %w", err)
	}
	var jobs []Job
	for i, c := range cmds {
		if len(c.Val()) == 0 {
			_ = s.rdb.ZRem(ctx, s.index(), ids[i]).Err()
			continue
		}
		jobs = append(jobs, jobFrom(c.Val()))
	}
	return jobs, nil
}

// jobFrom parses a job's hash; fields it cannot read are zero.
func jobFrom(m map[string]string) Job {
	n := func(k string) int64 { v, _ := strconv.ParseInt(m[k], 10, 64); return v }
	t := func(k string) time.Time {
		if v := n(k); v != 0 {
			return time.UnixMilli(v).UTC()
		}
		return time.Time{}
	}
	j := Job{
		ID: m["id"], Action: m["action"], Function: m["function"],
		Search: form.Search{Type: m["type"], Error: m["error"], Since: m["since"], Until: m["until"]},
		State:  m["state"], Total: n("total"), Done: n("done"), DoneBefore: n("done_before"),
		Replayed: n("replayed"), Skipped: n("skipped"), Failed: n("failed"), Purged: n("purged"),
		Error: m["err"], Started: t("started"), Finished: t("finished"), Heartbeat: t("heartbeat"),
		Resumes: n("resumes"), Runner: m["runner"],
	}
	_ = json.Unmarshal([]byte(m["failures"]), &j.Failures)
	return j
}

// updateScript writes fields (ARGV[3:]) to the job's hash and renews its
// TTL (ARGV[2], ms) only while runner ARGV[1] owns it; 0 when it does not.
var updateScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'runner') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`)

// errNotOwner is an update by a run that no longer owns its job: a
// resume took it over.
var errNotOwner = errors.New("the job was taken over by another run")

// update writes fields (name, value, ...) to job id while runner owns
// it; otherwise it is errNotOwner.
func (s Store) update(ctx context.Context, id, runner string, fields ...any) error {
	args := append([]any{runner, s.ttl.Milliseconds()}, fields...)
	n, err := updateScript.Run(ctx, s.rdb, []string{s.key(id)}, args...).Int()
	switch {
	case err != nil:
		return fmt.Errorf("update job %s: %w", id, err)
	case n == 0:
		return errNotOwner
	}
	return nil
}

// claimScript hands job KEYS[1] to runner ARGV[1] for a new run, at time
// ARGV[3] (ms), unless it is done or running with a heartbeat at or
// after ARGV[2] (ms): -1 without a record, 0 refused, 1 claimed.
var claimScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'state')
if not st then return -1 end
if st == 'done' then return 0 end
if st == 'running' and tonumber(redis.call('HGET', KEYS[1], 'heartbeat') or '0') >= tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], 'done_before', tonumber(redis.call('HGET', KEYS[1], 'done') or '0'))
redis.call('HINCRBY', KEYS[1], 'resumes', 1)
redis.call('HSET', KEYS[1], 'runner', ARGV[1], 'state', 'running', 'heartbeat', ARGV[3], 'done', '0', 'total', '0', 'finished', '0', 'err', '')
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`)

// ErrNotResumable is a resume of a job that is done or still running.
var ErrNotResumable = errors.New("the job is done or still running: only an interrupted or failed job can be resumed")

// claim hands job id to runner for a new run at now, unless it is done
// or its heartbeat is newer than staleBefore (ErrNotResumable).
func (s Store) claim(ctx context.Context, id, runner string, now, staleBefore time.Time) error {
	n, err := claimScript.Run(ctx, s.rdb, []string{s.key(id)}, runner, staleBefore.UnixMilli(), now.UnixMilli(), s.ttl.Milliseconds()).Int()
	switch {
	case err != nil:
		return fmt.Errorf("claim job %s: %w", id, err)
	case n < 0:
		return s.notFound
	case n == 0:
		return ErrNotResumable
	}
	return nil
}
