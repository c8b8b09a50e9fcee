package dashboard

// liveRoutes registers the event log's pages and the live streams.
func (h *Handler) liveRoutes() {
	h.mux.HandleFunc("GET /events", h.authed(h.events))
	h.mux.HandleFunc("GET /events/live", h.serveLive(h.eventsLive))
	h.mux.HandleFunc("GET /entities", h.authed(h.entityLookup))
	h.mux.HandleFunc("GET /entities/{aggregate}/{id}", h.authed(h.entity))
	h.mux.HandleFunc("GET /functions/{function}/dead-letters/live", h.serveLive(h.deadLettersLive))
	h.mux.HandleFunc("GET /status/live", h.serveLive(h.statusLive))
}
