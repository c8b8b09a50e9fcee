package runtime

// PartitionsHeld sets <namespace>_partitions_held{function}.
func (h *host) PartitionsHeld(n int) { h.metrics.collectors.PartitionsHeld(h.fn.Name, n) }

// PartitionEvent counts one ownership change in
// <namespace>_partition_changes_total{function,kind} (the partition is in
// the log line, not in a label).
func (h *host) PartitionEvent(kind string, _ int) {
	h.metrics.collectors.PartitionChange(h.fn.Name, kind)
}
