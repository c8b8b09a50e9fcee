package respond

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Answer is a success answer, known before a command's events are
// written so that it can be stored with them (Idempotency-Key): its JSON
// form is part of the records in Redis.
type Answer struct {
	Status   int             `json:"status"`
	Body     json.RawMessage `json:"body"`
	Location string          `json:"location,omitempty"`
}

// NewAnswer encodes v as the body of an answer with status.
func NewAnswer(status int, v any) (Answer, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return Answer{}, fmt.Errorf("encode answer: %w", err)
	}
	return Answer{Status: status, Body: raw}, nil
}

// Write sends the answer.
func (a Answer) Write(w http.ResponseWriter) {
	if a.Location != "" {
		w.Header().Set("Location", a.Location)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.Status)
	_, _ = w.Write(a.Body)
	_, _ = w.Write([]byte("\n"))
}
