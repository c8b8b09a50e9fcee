package gateway

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"go.uber.org/zap"

	"github.com/ordershop/functions/internal/shop/gateway/respond"
)

// logRequests logs one line per request (method, route, status, bytes,
// duration, request id) and reports it to observe, if set. 5xx answers are
// logged at error level.
func logRequests(logger *zap.Logger, observe Observer) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r)
			d := time.Since(start)
			route := chi.RouteContext(r.Context()).RoutePattern()
			status := ww.Status()
			if status == 0 {
				status = http.StatusOK
			}
			fields := []zap.Field{
				zap.String("method", r.Method), zap.String("path", r.URL.Path), zap.String("route", route),
				zap.Int("status", status), zap.Int("bytes", ww.BytesWritten()), zap.Duration("duration", d),
				zap.String("request_id", middleware.GetReqID(r.Context())),
			}
			if status >= 500 {
				logger.Error("request", fields...)
			} else {
				logger.Info("request", fields...)
			}
			if observe != nil {
				observe(r.Method, route, status, d)
			}
		})
	}
}

// recoverPanics answers a panicking handler with a JSON 500 and logs it.
func recoverPanics(logger *zap.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					logger.Error("handler panic", zap.Any("panic", v), zap.String("path", r.URL.Path), zap.Stack("stack"))
					_ = respond.WriteJSON(w, http.StatusInternalServerError, respond.ErrorBody("internal error"))
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}
