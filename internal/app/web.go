package app

import (
	"log/slog"

	"github.com/stewardhq/steward/internal/config"
	"github.com/stewardhq/steward/internal/server"
	"github.com/stewardhq/steward/internal/web"
)

// newWebUI returns the embedded console and privacy center (or, with --web-dir, the ones
// on disk being edited).
func newWebUI(cfg config.Config, log *slog.Logger) (server.WebUI, error) {
	return web.New(web.Config{Dir: cfg.WebDir, Logger: log})
}
