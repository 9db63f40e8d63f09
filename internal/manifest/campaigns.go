package manifest

import (
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

// Campaigns are the deployment's limits on marketing messages (issue 19): how many
// messages one person receives per local day across every campaign and journey, a lower
// number for elderly people (SG-04, ARP Art. 19: age-appropriate service; fewer,
// calmer messages), the age from which someone counts as elderly, and the quiet hours
// that apply to campaigns without their own. They are part of the manifest because they
// are a promise to people, published and versioned like the rest of it.
//
//	campaigns:
//	  per_day: 3             # messages per person per local day, all campaigns together
//	  elderly_per_day: 1     # the same for people at or above elderly_age (≤ per_day)
//	  elderly_age: 65
//	  quiet_hours: {start: "21:00", end: "08:00", action: defer}   # person's local time
//
// quiet_hours with start equal to end switches the default quiet hours off (a campaign may
// still set its own); action is defer (send when they end) or skip.
type Campaigns struct {
	PerDay        int         `json:"per_day"`
	ElderlyPerDay int         `json:"elderly_per_day"`
	ElderlyAge    int         `json:"elderly_age"`
	QuietHours    QuietWindow `json:"quiet_hours"`
}

// QuietWindow is a local time-of-day range, in minutes after midnight; Start after End
// runs over midnight.
type QuietWindow struct {
	Start  int    `json:"start"`
	End    int    `json:"end"`
	Action string `json:"action"`
}

// Off reports whether the window is empty (no default quiet hours).
func (q QuietWindow) Off() bool { return q.Start == q.End }

// Quiet-hour actions.
const (
	QuietDefer = "defer"
	QuietSkip  = "skip"
)

// DefaultCampaigns are the limits of a manifest that declares none.
func DefaultCampaigns() Campaigns {
	return Campaigns{PerDay: 3, ElderlyPerDay: 1, ElderlyAge: 65, QuietHours: QuietWindow{Start: 21 * 60, End: 8 * 60, Action: QuietDefer}}
}

// CampaignLimits returns the manifest's campaign limits, or the defaults when it declares
// none.
func (m *Manifest) CampaignLimits() Campaigns {
	if m.Campaigns != nil {
		return *m.Campaigns
	}
	return DefaultCampaigns()
}

var campaignKeys = []string{"per_day", "elderly_per_day", "elderly_age", "quiet_hours"}

// campaigns parses the campaigns section strictly: every key known, every value in range,
// each mistake located. Keys left out keep their defaults.
func (p *parser) campaigns(m *Manifest, n *yaml.Node) {
	c := DefaultCampaigns()
	var elderlyNode *yaml.Node
	count := func(v *yaml.Node, what string, lo, hi int) (int, bool) {
		x, err := strconv.Atoi(v.Value)
		if v.Kind != yaml.ScalarNode || err != nil || x < lo || x > hi {
			p.errf(v, "campaigns: %s must be a whole number from %d to %d", what, lo, hi)
			return 0, false
		}
		return x, true
	}
	for _, kv := range p.mapping(n, "campaigns", campaignKeys) {
		switch kv.k.Value {
		case "per_day":
			if x, ok := count(kv.v, "per_day", 1, 100); ok {
				c.PerDay = x
			}
		case "elderly_per_day":
			if x, ok := count(kv.v, "elderly_per_day", 1, 100); ok {
				c.ElderlyPerDay, elderlyNode = x, kv.v
			}
		case "elderly_age":
			if x, ok := count(kv.v, "elderly_age", 50, 120); ok {
				c.ElderlyAge = x
			}
		case "quiet_hours":
			p.quietHours(&c.QuietHours, kv.v)
		}
	}
	if c.ElderlyPerDay > c.PerDay {
		at := elderlyNode
		if at == nil {
			at = n
		}
		p.errf(at, "campaigns: elderly_per_day (%d) must not exceed per_day (%d): elderly people get fewer messages, never more (SG-04)", c.ElderlyPerDay, c.PerDay)
	}
	m.Campaigns = &c
}

func (p *parser) quietHours(q *QuietWindow, n *yaml.Node) {
	clock := func(v *yaml.Node, what string) (int, bool) {
		t, err := time.Parse("15:04", v.Value)
		if v.Kind != yaml.ScalarNode || err != nil || len(v.Value) != 5 {
			p.errf(v, "campaigns: quiet_hours %s must be a time of day \"HH:MM\"", what)
			return 0, false
		}
		return t.Hour()*60 + t.Minute(), true
	}
	for _, kv := range p.mapping(n, "campaigns quiet_hours", []string{"start", "end", "action"}) {
		switch kv.k.Value {
		case "start":
			if x, ok := clock(kv.v, "start"); ok {
				q.Start = x
			}
		case "end":
			if x, ok := clock(kv.v, "end"); ok {
				q.End = x
			}
		case "action":
			switch kv.v.Value {
			case QuietDefer, QuietSkip:
				q.Action = kv.v.Value
			default:
				p.errf(kv.v, "campaigns: quiet_hours action %q is not defer or skip", kv.v.Value)
			}
		}
	}
}
