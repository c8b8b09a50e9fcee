package mail

import (
	"context"
	"fmt"
	"net"
	"net/smtp"

	"github.com/caarlos0/env/v11"
	"go.uber.org/zap"

	"github.com/ordershop/functions/internal/shop/model"
)

// Config chooses the mailer's sender from the environment.
type Config struct {
	// Addr is the SMTP server, host:port; empty (the default) logs mails
	// instead of sending them.
	Addr string `env:"SMTP_ADDR"`
	// From is the sender address.
	From string `env:"SMTP_FROM" envDefault:"orders@ordershop.local"`
	// User and Password, if User is set, authenticate with PLAIN.
	User     string `env:"SMTP_USER"`
	Password string `env:"SMTP_PASSWORD"`
}

// Sender delivers one mail; key is stable across re-deliveries.
type Sender interface {
	Send(ctx context.Context, m model.Mail, key string) error
}

// FromEnv reads Config and returns the sender it names.
func FromEnv(logger *zap.Logger) (Sender, error) {
	var cfg Config
	if err := env.Parse(&cfg); err != nil {
		return nil, fmt.Errorf("mail config: %w", err)
	}
	if cfg.Addr == "" {
		return LogSender{Logger: logger}, nil
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("SMTP_ADDR: %w", err)
	}
	s := SMTPSender{Addr: cfg.Addr, From: cfg.From}
	if cfg.User != "" {
		s.Auth = smtp.PlainAuth("", cfg.User, cfg.Password, host)
	}
	logger.Info("mail via smtp", zap.String("addr", cfg.Addr), zap.String("from", cfg.From))
	return s, nil
}
