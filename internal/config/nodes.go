package config

import (
	"fmt"
	"time"
)

// Nodes are the settings of one node among several serving one PostgreSQL database.
type Nodes struct {
	// Node names this process in the job queue's tables (which node holds which job);
	// empty: the queue's own random name. STEWARD_NODE.
	Node string
	// JobTimeout bounds one attempt of a background job (default 1 minute);
	// STEWARD_JOB_TIMEOUT.
	JobTimeout time.Duration
	// JobRescueAfter is how long a job may stay running before it is taken to have died
	// with its node (kill -9, a lost machine) and another node runs it again (default
	// JobTimeout + 1 minute). STEWARD_JOB_RESCUE_AFTER.
	JobRescueAfter time.Duration
	// CampaignTick is how often due campaign runs start and journeys move on (default 1
	// minute). STEWARD_CAMPAIGN_TICK.
	CampaignTick time.Duration
}

// nodesFromEnv reads the node settings (durations in Go's form: 90s, 2m).
func nodesFromEnv(c Config, getenv func(string) string) (Config, error) {
	if v := getenv("STEWARD_NODE"); v != "" {
		c.Nodes.Node = v
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{"STEWARD_JOB_TIMEOUT", &c.Nodes.JobTimeout}, {"STEWARD_JOB_RESCUE_AFTER", &c.Nodes.JobRescueAfter}, {"STEWARD_CAMPAIGN_TICK", &c.Nodes.CampaignTick}} {
		v := getenv(d.name)
		if v == "" {
			continue
		}
		x, err := time.ParseDuration(v)
		if err != nil || x <= 0 {
			return c, fmt.Errorf("config: %s %q: want a positive duration such as 30s", d.name, v)
		}
		*d.dst = x
	}
	return c, nil
}
