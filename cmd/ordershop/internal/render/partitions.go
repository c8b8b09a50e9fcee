package render

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ordershop/functions/runtime/ops"
	"github.com/ordershop/functions/runtime/partition"
)

// FoldFamilies returns f's streams for the status tables: a partitioned
// family's partition streams become one row, named
// "<family>:{p0..p<P-1>}", with the lengths, lags and pending entries
// summed and the consumers merged by name (pending summed, the shortest
// idle time). Other streams are as they are. The JSON keeps every stream.
func FoldFamilies(f ops.FunctionStatus) []ops.StreamStatus {
	if f.Registration == nil || len(f.Registration.Families) == 0 {
		return f.Streams
	}
	count := make(map[string]int, len(f.Registration.Families))
	for _, fam := range f.Registration.Families {
		count[fam.Name] = fam.Partitions
	}
	var out []ops.StreamStatus
	at := map[string]int{} // family -> its row in out
	for _, s := range f.Streams {
		fam, _, ok := partition.Parse(s.Stream)
		if _, partitioned := count[fam]; !ok || !partitioned {
			out = append(out, s)
			continue
		}
		i, seen := at[fam]
		if !seen {
			at[fam], i = len(out), len(out)
			name := fmt.Sprintf("%s:{p0..p%d}", fam, count[fam]-1)
			var lag int64
			out = append(out, ops.StreamStatus{Stream: name, GroupExists: true, Lag: &lag})
		}
		row := &out[i]
		row.Length += s.Length
		row.Pending += s.Pending
		row.GroupExists = row.GroupExists && s.GroupExists
		if s.Lag == nil || row.Lag == nil {
			row.Lag = nil
		} else {
			*row.Lag += *s.Lag
		}
		row.Consumers = mergeConsumers(row.Consumers, s.Consumers)
	}
	return out
}

// mergeConsumers adds the consumers of one more stream to those of a
// folded family, by name.
func mergeConsumers(into, more []ops.ConsumerStatus) []ops.ConsumerStatus {
	for _, c := range more {
		i := slices.IndexFunc(into, func(x ops.ConsumerStatus) bool { return x.Name == c.Name })
		if i < 0 {
			into = append(into, c)
			continue
		}
		into[i].Pending += c.Pending
		into[i].Idle = min(into[i].Idle, c.Idle)
		into[i].Inactive = min(into[i].Inactive, c.Inactive)
	}
	return into
}

// Partitions prints, for each partitioned function, one row per
// partition: its owner and epoch (from the lease; "-" when no instance
// holds it) and its lag and pending entries summed over the function's
// families.
func Partitions(w io.Writer, st []ops.FunctionStatus) {
	for _, f := range st {
		if len(f.Partitions) == 0 {
			continue
		}
		fams := make([]string, 0, len(f.Registration.Families))
		for _, fam := range f.Registration.Families {
			fams = append(fams, fam.Name)
		}
		owned := "shared by every instance (no leases)"
		if f.Registration.Leases {
			owned = "each owned by one instance (leases)"
		}
		fmt.Fprintf(w, "\n%s: %d partitions of %s, %s\n", f.Name, len(f.Partitions), strings.Join(fams, ", "), owned)
		tw := Table(w, "PARTITION", "OWNER", "EPOCH", "LEASE", "LAG", "PENDING")
		for _, p := range f.Partitions {
			owner, epoch, lease := "-", "-", "-"
			if p.Owner != "" {
				owner, epoch, lease = p.Owner, strconv.FormatInt(p.Epoch, 10), Short(time.Duration(p.LeaseTTL))
			}
			lag := "?"
			if p.Lag != nil {
				lag = strconv.FormatInt(*p.Lag, 10)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\n", p.Partition, owner, epoch, lease, lag, p.Pending)
		}
		_ = tw.Flush()
	}
}
