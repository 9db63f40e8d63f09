package web_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/cleanroom"
)

// The clean-room screen's catalogues: the same keys in both languages, none empty, every
// key the script names present, and a label for every job state and protocol the service
// can report (the screen builds those keys from the server's vocabulary).
func TestCleanRoomCatalogues(t *testing.T) {
	cats := map[string]map[string]string{}
	for _, l := range []string{"en", "zh-CN"} {
		b, err := os.ReadFile("i18n/" + l + ".cleanroom.json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for k, v := range m {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", l, k)
			}
		}
		cats[l] = m
	}
	for k := range cats["en"] {
		if _, ok := cats["zh-CN"][k]; !ok {
			t.Errorf("zh-CN lacks %s", k)
		}
	}
	for k := range cats["zh-CN"] {
		if _, ok := cats["en"][k]; !ok {
			t.Errorf("en lacks %s", k)
		}
	}
	js, err := os.ReadFile("static/console-cleanroom.js")
	if err != nil {
		t.Fatal(err)
	}
	main := map[string]string{}
	if b, err := os.ReadFile("i18n/en.json"); err != nil || json.Unmarshal(b, &main) != nil {
		t.Fatal("i18n/en.json")
	}
	for _, m := range regexp.MustCompile(`t\("(console\.[a-z0-9_.]+)"\)`).FindAllStringSubmatch(string(js), -1) {
		if cats["en"][m[1]] == "" && main[m[1]] == "" {
			t.Errorf("the script uses %s, which the catalogue lacks", m[1])
		}
	}
	states := []cleanroom.JobState{cleanroom.JobProposed, cleanroom.JobApproved, cleanroom.JobRunning, cleanroom.JobDone,
		cleanroom.JobWithheld, cleanroom.JobFailed, cleanroom.JobRefused, cleanroom.JobSuspended}
	for _, st := range states {
		if cats["en"]["console.cleanroom.state."+string(st)] == "" {
			t.Errorf("no label for the job state %s", st)
		}
	}
	for _, p := range []cleanroom.Protocol{cleanroom.PSICardinality, cleanroom.IntersectionSum} {
		if cats["en"]["console.cleanroom.protocol."+string(p)] == "" {
			t.Errorf("no label for the protocol %s", p)
		}
	}
}
