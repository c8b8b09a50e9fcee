package ops

import "regexp"

// errorClassRules turn an error text into its class by replacing the
// parts that differ from event to event, so that ListDLQ can count "the
// same error" across events.
var errorClassRules = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`), "<uuid>"},
	{regexp.MustCompile(`\b[0-9]{10,}-[0-9]+\b`), "<entry-id>"},
	{regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`), "<email>"},
	{regexp.MustCompile(`(?i)\b[0-9a-f]{16,}\b`), "<hex>"},
}

// ErrorClass is an error text with UUIDs, stream entry ids, e-mail
// addresses and long hex strings replaced by placeholders, cut to 200
// bytes: what ListDLQ groups errors by.
func ErrorClass(text string) string {
	for _, r := range errorClassRules {
		text = r.re.ReplaceAllString(text, r.with)
	}
	return truncate(text, maxErrorText)
}

// maxErrorText truncates error texts in summaries.
const maxErrorText = 200

// truncate shortens s to at most n bytes, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
