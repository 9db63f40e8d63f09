package app

import (
	"github.com/stewardhq/steward/internal/config"
	"github.com/stewardhq/steward/internal/server"
)

// newWebUI returns the embedded console and privacy center. Until the web package is
// mounted it returns nil, which leaves those paths unrouted.
func newWebUI(cfg config.Config) (server.WebUI, error) {
	return nil, nil
}
