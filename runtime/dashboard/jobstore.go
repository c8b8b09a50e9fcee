package dashboard

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime/dashboard/internal/form"
	"github.com/ordershop/functions/runtime/ops"
)

// JobTTL is how long a job's record is kept after its last write.
const JobTTL = 24 * time.Hour

// maxJobsListed caps the jobs the index keeps and /jobs shows.
const maxJobsListed = 200

// maxJobFailures caps the failed entries a job's record lists.
const maxJobFailures = 20

// Job states as stored. A running job whose heartbeat is older than
// jobStaleAfter is shown as interrupted too.
const (
	jobRunning     = "running"
	jobDone        = "done"
	jobFailed      = "failed"
	jobInterrupted = "interrupted"
)

// errJobNotFound is a job id without a record (never made, or expired).
var errJobNotFound = fmt.Errorf("no such job (records are kept %s): %w", JobTTL, ops.ErrNotFound)

// job is one background replay or purge of all the dead letters of a
// function that match a search, as its Redis hash holds it. The counts
// Done and Total are of the current run (a resume starts a new run);
// DoneBefore sums the runs before it, and Replayed, Skipped, Failed and
// Purged sum every run that ended.
type job struct {
	ID, Action, Function string
	Search               form.Search
	State                string
	Total, Done          int64
	DoneBefore           int64
	Replayed, Skipped    int64
	Failed, Purged       int64
	Failures             []ops.Failure
	Error                string
	Started, Finished    time.Time
	Heartbeat            time.Time
	Resumes              int64
	// Runner is the token of the run that owns the record: only it may
	// write progress (see jobStore.update).
	Runner string
}

// newJobID is a random, unguessable job id.
func newJobID() string { return rand.Text() }

// validJobID reports whether id looks like one of newJobID's.
func validJobID(id string) bool {
	if len(id) != 26 {
		return false
	}
	for _, c := range id {
		if (c < 'A' || c > 'Z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

// jobStore keeps jobs in Redis: each a hash <prefix>:jobs:<id> that
// expires JobTTL after its last write, and the sorted set <prefix>:jobs
// of their ids by start time. Every key is used alone (no multi-key
// command), so it works on a cluster too.
type jobStore struct {
	rdb    redis.UniversalClient
	prefix string
}

// index is the sorted set of job ids.
func (s jobStore) index() string { return s.prefix + ":jobs" }

// key is job id's hash.
func (s jobStore) key(id string) string { return s.prefix + ":jobs:" + id }

// ms is t as Unix milliseconds for a field ("0" for the zero time).
func ms(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

// create writes a new job's record and indexes it.
func (s jobStore) create(ctx context.Context, j job) error {
	fields := map[string]any{
		"id": j.ID, "action": j.Action, "function": j.Function,
		"type": j.Search.Type, "error": j.Search.Error, "since": j.Search.Since, "until": j.Search.Until,
		"state": j.State, "runner": j.Runner, "started": ms(j.Started), "heartbeat": ms(j.Heartbeat),
		"total": 0, "done": 0, "done_before": 0, "replayed": 0, "skipped": 0, "failed": 0, "purged": 0, "resumes": 0,
	}
	key := s.key(j.ID)
	if _, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, fields)
		p.PExpire(ctx, key, JobTTL)
		return nil
	}); err != nil {
		return fmt.Errorf("create job %s: %w", j.ID, err)
	}
	idx := s.index()
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, idx, redis.Z{Score: float64(j.Started.UnixMilli()), Member: j.ID})
		p.ZRemRangeByScore(ctx, idx, "-inf", "("+ms(j.Started.Add(-JobTTL)))
		p.ZRemRangeByRank(ctx, idx, 0, -maxJobsListed-1)
		p.PExpire(ctx, idx, JobTTL)
		return nil
	}); err != nil {
		return fmt.Errorf("index job %s: %w", j.ID, err)
	}
	return nil
}

// get reads job id; a missing record is errJobNotFound.
func (s jobStore) get(ctx context.Context, id string) (job, error) {
	m, err := s.rdb.HGetAll(ctx, s.key(id)).Result()
	if err != nil {
		return job{}, fmt.Errorf("read job %s: %w", id, err)
	}
	if len(m) == 0 {
		return job{}, errJobNotFound
	}
	return jobFrom(m), nil
}

// list returns the newest jobs, newest first, dropping expired ones from
// the index.
func (s jobStore) list(ctx context.Context) ([]job, error) {
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
	var jobs []job
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
func jobFrom(m map[string]string) job {
	n := func(k string) int64 { v, _ := strconv.ParseInt(m[k], 10, 64); return v }
	t := func(k string) time.Time {
		if v := n(k); v != 0 {
			return time.UnixMilli(v).UTC()
		}
		return time.Time{}
	}
	j := job{
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
func (s jobStore) update(ctx context.Context, id, runner string, fields ...any) error {
	args := append([]any{runner, JobTTL.Milliseconds()}, fields...)
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

// errJobNotResumable is a resume of a job that is done or still running.
var errJobNotResumable = errors.New("the job is done or still running: only an interrupted or failed job can be resumed")

// claim hands job id to runner for a new run at now, unless it is done
// or its heartbeat is newer than staleBefore (errJobNotResumable).
func (s jobStore) claim(ctx context.Context, id, runner string, now, staleBefore time.Time) error {
	n, err := claimScript.Run(ctx, s.rdb, []string{s.key(id)}, runner, staleBefore.UnixMilli(), now.UnixMilli(), JobTTL.Milliseconds()).Int()
	switch {
	case err != nil:
		return fmt.Errorf("claim job %s: %w", id, err)
	case n < 0:
		return errJobNotFound
	case n == 0:
		return errJobNotResumable
	}
	return nil
}
