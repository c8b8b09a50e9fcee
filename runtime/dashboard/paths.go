package dashboard

import "net/url"

// deadLettersPath is the path of function's dead-letter list.
func (h *Handler) deadLettersPath(function string) string {
	return h.cfg.Prefix + "/functions/" + url.PathEscape(function) + "/dead-letters"
}

// actionPath is the path of function's replay or purge action.
func (h *Handler) actionPath(function, action string) string {
	return h.cfg.Prefix + "/functions/" + url.PathEscape(function) + "/" + action
}

// withQuery is path with v as its query, if any.
func withQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// jobPath is the path of job id's page.
func (h *Handler) jobPath(id string) string { return h.cfg.Prefix + "/jobs/" + id }

// entityPath is the path of one entity's page.
func (h *Handler) entityPath(aggregate, id string) string {
	return entityPathUnder(h.cfg.Prefix, aggregate, id)
}

// entityPathUnder is the path of one entity's page under prefix; the
// aggregate may also be given as its stream.
func entityPathUnder(prefix, aggregate, id string) string {
	return prefix + "/entities/" + url.PathEscape(aggregate) + "/" + url.PathEscape(id)
}
