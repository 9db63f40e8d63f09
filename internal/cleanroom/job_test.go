package cleanroom_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/cleanroom"
)

func TestJobLifecycle(t *testing.T) {
	E := func(s string) []cleanroom.JobEvent {
		var out []cleanroom.JobEvent
		for _, f := range strings.Fields(s) {
			out = append(out, cleanroom.JobEvent(f))
		}
		return out
	}
	cases := []struct {
		events string
		want   cleanroom.JobState
		bad    string // the event refused, if any (the job stays where it was)
	}{
		{"approve partner_approve start finish", cleanroom.JobDone, ""},
		{"partner_approve approve start withhold", cleanroom.JobWithheld, ""},
		{"approve partner_approve start fail", cleanroom.JobFailed, ""},
		{"approve partner_approve fail", cleanroom.JobFailed, ""},
		{"approve", cleanroom.JobProposed, ""},
		{"refuse", cleanroom.JobRefused, ""},
		{"approve partner_refuse", cleanroom.JobRefused, ""},
		{"approve partner_approve refuse", cleanroom.JobRefused, ""}, // withdrawn before it started
		{"suspend", cleanroom.JobSuspended, ""},
		{"approve partner_approve suspend", cleanroom.JobSuspended, ""},
		{"approve partner_approve start suspend", cleanroom.JobSuspended, ""},
		// Refused events.
		{"start", cleanroom.JobProposed, "start"},                 // unapproved
		{"approve start", cleanroom.JobProposed, "start"},         // half approved
		{"partner_approve start", cleanroom.JobProposed, "start"}, // half approved
		{"approve approve", cleanroom.JobProposed, "approve"},     // twice
		{"partner_approve partner_approve", cleanroom.JobProposed, "partner_approve"},
		{"approve partner_approve approve", cleanroom.JobApproved, "approve"},
		{"approve partner_approve start refuse", cleanroom.JobRunning, "refuse"}, // too late
		{"approve partner_approve start start", cleanroom.JobRunning, "start"},
		{"finish", cleanroom.JobProposed, "finish"},
		{"approve partner_approve withhold", cleanroom.JobApproved, "withhold"},
		{"fail", cleanroom.JobProposed, "fail"},
		{"refuse approve", cleanroom.JobRefused, "approve"},
		{"suspend approve", cleanroom.JobSuspended, "approve"}, // approvals do not survive
		{"suspend partner_approve", cleanroom.JobSuspended, "partner_approve"},
		{"approve partner_approve start finish suspend", cleanroom.JobDone, "suspend"},
		{"approve partner_approve start finish fail", cleanroom.JobDone, "fail"},
		{"approve partner_approve start withhold finish", cleanroom.JobWithheld, "finish"},
		{"launch", cleanroom.JobProposed, "launch"},
	}
	for _, c := range cases {
		t.Run(c.events, func(t *testing.T) {
			j := cleanroom.NewJob()
			var refused cleanroom.JobEvent
			for _, e := range E(c.events) {
				before := j
				if err := j.Apply(e); err != nil {
					var te *cleanroom.TransitionError
					if !errors.As(err, &te) || !errors.Is(err, cleanroom.ErrTransition) || te.Event != e || te.From != before.State {
						t.Fatalf("%s: error %v", e, err)
					}
					if j != before {
						t.Fatalf("%s refused but the job changed: %+v → %+v", e, before, j)
					}
					refused = e
					break
				}
			}
			if string(refused) != c.bad {
				t.Fatalf("refused %q, want %q", refused, c.bad)
			}
			if j.State != c.want {
				t.Fatalf("state %s, want %s", j.State, c.want)
			}
		})
	}
	for _, s := range []cleanroom.JobState{cleanroom.JobDone, cleanroom.JobWithheld, cleanroom.JobFailed, cleanroom.JobRefused, cleanroom.JobSuspended} {
		if !s.Terminal() {
			t.Errorf("%s is not terminal", s)
		}
	}
	for _, s := range []cleanroom.JobState{cleanroom.JobProposed, cleanroom.JobApproved, cleanroom.JobRunning} {
		if s.Terminal() {
			t.Errorf("%s is terminal", s)
		}
	}
}
