package input

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/ordershop/functions/internal/shop/gateway/respond"
)

// Body is the body of a POST or PUT of one entity of type T.
type Body[T any] interface {
	// Entity checks the body and makes it the entity with that id.
	Entity(id string) (T, error)
	// BodyID is the id the body carries, if any.
	BodyID() *string
}

// DecodeNew decodes a POST body of one or many In and checks each into a
// new entity, with the ids newIDs makes.
func DecodeNew[In Body[T], T any](r *http.Request, newIDs func(n int) []string) ([]string, []T, error) {
	ins, err := decodeOneOrMany[In](r)
	if err != nil {
		return nil, nil, err
	}
	ids := newIDs(len(ins))
	out := make([]T, len(ins))
	for i, in := range ins {
		if out[i], err = in.Entity(ids[i]); err != nil {
			return nil, nil, err
		}
	}
	return ids, out, nil
}

// DecodeReplacement decodes a PUT body of one In, whose id if any must be
// the path's, and checks it into the entity id.
func DecodeReplacement[In Body[T], T any](r *http.Request, id string) (T, error) {
	in, err := DecodeOne[In](r)
	if err == nil {
		err = CheckPathID(in.BodyID(), id)
	}
	if err != nil {
		var zero T
		return zero, err
	}
	return in.Entity(id)
}

// DecodeOne decodes a body holding one JSON object.
func DecodeOne[T any](r *http.Request) (T, error) {
	var v T
	body, err := ReadBody(r)
	if err != nil {
		return v, err
	}
	if !strings.HasPrefix(strings.TrimSpace(string(body)), "{") {
		return v, respond.BadRequest("want a JSON object")
	}
	return v, decodeStrict(body, &v)
}

// decodeOneOrMany decodes a body holding one JSON object or an array of
// them into a slice of T; an empty array is a bad request.
func decodeOneOrMany[T any](r *http.Request) ([]T, error) {
	body, err := ReadBody(r)
	if err != nil {
		return nil, err
	}
	trimmed := strings.TrimSpace(string(body))
	if strings.HasPrefix(trimmed, "[") {
		var many []T
		if err := decodeStrict(body, &many); err != nil {
			return nil, err
		}
		if len(many) == 0 {
			return nil, respond.BadRequest("empty array")
		}
		if len(many) > MaxEntitiesPerRequest {
			return nil, respond.BadRequest("%d entities in one request; at most %d", len(many), MaxEntitiesPerRequest)
		}
		return many, nil
	}
	if !strings.HasPrefix(trimmed, "{") {
		return nil, respond.BadRequest("want a JSON object or an array of objects")
	}
	var one T
	if err := decodeStrict(body, &one); err != nil {
		return nil, err
	}
	return []T{one}, nil
}

// decodeStrict decodes one JSON value into v, refusing unknown fields,
// wrong types and trailing data.
func decodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return respond.BadRequest("invalid JSON: %v", err)
	}
	// More is false before a stray '}' or ']' too: only EOF ends the body.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return respond.BadRequest("invalid JSON: trailing data")
	}
	return nil
}
