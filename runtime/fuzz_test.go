package runtime

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/ordershop/functions/runtime/internal/engine"
)

// FuzzDecodeEvent feeds arbitrary stream entries to the event decoder, both
// ways an entry is decoded (newMessage from string fields; engine.Peek then
// decode from the raw values go-redis returns). It must never panic, and
// either return a *DecodeError or a message with a type, an event id and
// Data that is a JSON object. Run it with
//
//	go test -run '^$' -fuzz '^FuzzDecodeEvent$' -fuzztime=5s ./runtime
func FuzzDecodeEvent(f *testing.F) {
	f.Add("order.created", "e1", `{"id":"o1"}`, true, "entity_id", "o1")
	f.Add("order.created", "e1", ` {"a":[1,{"b":null}]} `, true, "", "")
	f.Add("order.created", "e1", `[1,2]`, true, "", "")
	f.Add("order.created", "e1", `{"id":`, true, "", "")
	f.Add("order.created", "e1", "", false, "", "")
	f.Add("", "e1", `{}`, true, "type", "x")
	f.Add("t", "", `{}`, true, "event_id", "")
	f.Add("t", "e", "\ufeff{}", true, "", "")
	f.Add("t", "e", `{"a":"\ud800"}`, true, "data", `{}`)
	f.Fuzz(func(t *testing.T, typ, eventID, data string, hasData bool, key, val string) {
		fields := map[string]string{FieldType: typ, FieldEventID: eventID}
		if hasData {
			fields[FieldData] = data
		}
		if key != "" {
			fields[key] = val
		}
		msg, err := newMessage("fn", "events:x", "1-0", fields)
		check(t, "newMessage", msg, err)

		values := make(map[string]any, len(fields)+1)
		for k, v := range fields {
			values[k] = v
		}
		values["n"] = int64(len(data)) // go-redis may hand back non-strings
		h := &host{fn: Function{Name: "fn"}}
		entry := engine.Peek(h, "fn", "events:x", "1-0", values)
		wantType, wantID := entry.Type, entry.EventID
		derr := h.Decode(entry)
		peeked := h.message(entry)
		check(t, "decode", peeked, derr)
		if (err == nil) != (derr == nil) {
			t.Fatalf("newMessage err %v, decode err %v: the two paths disagree", err, derr)
		}
		if peeked.Type != wantType || peeked.EventID != wantID {
			t.Fatalf("decode changed type/id from %q/%q to %q/%q", wantType, wantID, peeked.Type, peeked.EventID)
		}
	})
}

// check asserts the decoder's contract on one result.
func check(t *testing.T, path string, msg *Message, err error) {
	t.Helper()
	if msg == nil {
		t.Fatalf("%s: nil message", path)
	}
	if err != nil {
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Fatalf("%s: error %T %v, want *DecodeError", path, err, err)
		}
		return
	}
	if msg.Type == "" || msg.EventID == "" {
		t.Fatalf("%s: accepted an entry without type or event id: %+v", path, msg.Fields)
	}
	var obj map[string]any
	if err := json.Unmarshal(msg.Data, &obj); err != nil || obj == nil {
		t.Fatalf("%s: accepted data %q that is not a JSON object: %v", path, msg.Data, err)
	}
	if msg.IdempotencyKey != "fn:"+msg.EventID {
		t.Fatalf("%s: idempotency key %q for event %q", path, msg.IdempotencyKey, msg.EventID)
	}
}
