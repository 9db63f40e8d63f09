// Package config holds the settings of a Steward process as one value: defaults, then
// STEWARD_* environment variables, then command-line flags (the CLI applies those), then
// Validate. Nothing reads configuration from globals.
//
// Every secret setting also has a STEWARD_X_FILE form whose file holds the value, so secrets
// can come from mounted files rather than the environment.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Config is the configuration of a Steward process.
type Config struct {
	// Addr is the listen address, host:port.
	Addr string
	// DataDir holds the SQLite database (by default), keys and the first-start secrets.
	DataDir string
	// DB selects the store: empty for SQLite in DataDir, or a postgres:// URL.
	DB string
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// LogFormat is text or json.
	LogFormat string
	// WebDir, when set, serves templates and static files from this directory instead of
	// the embedded copies (live editing during development).
	WebDir string
	// PublicURL is the address browsers and people reach Steward at (scheme://host[:port]
	// [/prefix]), used for the settings document's apiHost and privacy-center session URLs,
	// which must never come from a request's Host header. Empty: the address the request
	// arrived on.
	PublicURL string
	// WebhookURL is where campaign messages on the webhook channel are posted (the shop's
	// receiver, which delivers them as app pushes or texts); empty: no webhook channel.
	// Posts are signed with the secret in <data>/webhook-secret.
	WebhookURL string
	// Notify is the SMTP server and the shop's rights webhook (notify.go).
	Notify Notify
	// CleanRoomMinIntersection withholds clean-room results below it (issue 22); 0 means
	// the default, 50.
	CleanRoomMinIntersection int
	// Nodes tunes a node among several on one PostgreSQL database (nodes.go).
	Nodes Nodes
}

// Default returns the built-in defaults.
func Default() Config {
	return Config{Addr: "127.0.0.1:8080", DataDir: "data", LogLevel: "info", LogFormat: "text"}
}

// FromEnv applies STEWARD_* variables on top of c. getenv is os.Getenv in production.
func FromEnv(c Config, getenv func(string) string) (Config, error) {
	set := func(dst *string, name string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	set(&c.Addr, "STEWARD_ADDR")
	set(&c.DataDir, "STEWARD_DATA")
	set(&c.LogLevel, "STEWARD_LOG_LEVEL")
	set(&c.LogFormat, "STEWARD_LOG_FORMAT")
	set(&c.WebDir, "STEWARD_WEB_DIR")
	set(&c.PublicURL, "STEWARD_PUBLIC_URL")
	set(&c.WebhookURL, "STEWARD_WEBHOOK_URL")
	if v := getenv("STEWARD_CLEANROOM_MIN_INTERSECTION"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return c, fmt.Errorf("config: STEWARD_CLEANROOM_MIN_INTERSECTION: %q is not a whole number", v)
		}
		c.CleanRoomMinIntersection = n
	}
	// The database URL may carry a password: it is a secret.
	set(&c.DB, "STEWARD_DB")
	if f := getenv("STEWARD_DB_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return c, fmt.Errorf("config: STEWARD_DB_FILE: %w", err)
		}
		c.DB = strings.TrimSpace(string(b))
	}
	c, err := nodesFromEnv(c, getenv)
	if err != nil {
		return c, err
	}
	return notifyFromEnv(c, getenv)
}

// Validate checks the configuration and returns every problem at once.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr %q: want host:port", c.Addr))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("data: a directory is required"))
	}
	if c.DB != "" && !c.IsPostgres() {
		errs = append(errs, errors.New("db: want empty (SQLite in the data directory) or a postgres:// URL"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log level %q: want debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log format %q: want text or json", c.LogFormat))
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			errs = append(errs, fmt.Errorf("public url %q: want http(s)://host[:port][/prefix]", c.PublicURL))
		}
	}
	if c.WebhookURL != "" {
		u, err := url.Parse(c.WebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			errs = append(errs, fmt.Errorf("webhook url %q: want http(s)://host[:port]/path", c.WebhookURL))
		}
	}
	if c.CleanRoomMinIntersection < 0 {
		errs = append(errs, fmt.Errorf("clean-room minimum intersection %d: want 0 (the default, 50) or more", c.CleanRoomMinIntersection))
	}
	errs = append(errs, c.Notify.validate()...)
	if len(errs) > 0 {
		return fmt.Errorf("invalid configuration: %w", errors.Join(errs...))
	}
	return nil
}

// IsPostgres reports whether DB selects PostgreSQL.
func (c Config) IsPostgres() bool {
	return strings.HasPrefix(c.DB, "postgres://") || strings.HasPrefix(c.DB, "postgresql://")
}

// SQLitePath is the database file used when DB is empty.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "steward.db") }
