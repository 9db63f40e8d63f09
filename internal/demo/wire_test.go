package demo_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/demo"
)

// The wire shapes below list every field the generator may send;
// DisallowUnknownFields makes an undocumented field a test failure.

type wireBatch struct {
	Batch  []json.RawMessage `json:"batch"`
	SentAt string            `json:"sentAt"`
}

type wireConsent struct {
	CategoryPreferences   map[string]bool `json:"categoryPreferences"`
	Guardian              *bool           `json:"guardian"`
	PersonalisationOff    *bool           `json:"personalisationOff"`
	ObjectDirectMarketing *bool           `json:"objectDirectMarketing"`
}

type wirePage struct {
	Path     string `json:"path"`
	Referrer string `json:"referrer"`
	Search   string `json:"search"`
	Title    string `json:"title"`
	URL      string `json:"url"`
}

type wireContext struct {
	Consent *wireConsent `json:"consent"`
	GPC     *bool        `json:"gpc"`
	Page    *wirePage    `json:"page"`
	IP      string       `json:"ip"`
	Library struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"library"`
	Locale   string `json:"locale"`
	Location struct {
		Country string `json:"country"`
		Region  string `json:"region"`
	} `json:"location"`
	Timezone  string `json:"timezone"`
	UserAgent string `json:"userAgent"`
}

type wireAddress struct {
	Country string `json:"country"`
	State   string `json:"state"`
	City    string `json:"city"`
}

type wireTraits struct {
	Name      string      `json:"name"`
	Email     string      `json:"email"`
	Phone     string      `json:"phone"`
	Birthday  string      `json:"birthday"`
	Gender    string      `json:"gender"`
	Address   wireAddress `json:"address"`
	CreatedAt string      `json:"createdAt"`
}

type wireMsg struct {
	Type        string          `json:"type"`
	MessageID   string          `json:"messageId"`
	AnonymousID string          `json:"anonymousId"`
	UserID      string          `json:"userId"`
	Timestamp   string          `json:"timestamp"`
	Event       string          `json:"event"`
	Name        string          `json:"name"`
	Properties  json.RawMessage `json:"properties"`
	Traits      *wireTraits     `json:"traits"`
	Context     wireContext     `json:"context"`

	raw  []byte
	at   time.Time
	sent string
}

var testNow = time.Date(2026, 3, 15, 9, 30, 0, 0, time.UTC)

// generated is one run, kept raw and parsed.
type generated struct {
	cfg     demo.Config
	sum     demo.Summary
	batches [][]byte
	msgs    []*wireMsg
}

func generate(t testing.TB, cfg demo.Config) *generated {
	t.Helper()
	g := &generated{cfg: cfg}
	var err error
	g.sum, err = demo.Generate(cfg, func(b []byte) error {
		g.batches = append(g.batches, b)
		return nil
	})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	for i, b := range g.batches {
		msgs, err := parseBatch(b)
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		g.msgs = append(g.msgs, msgs...)
	}
	return g
}

func parseBatch(b []byte) ([]*wireMsg, error) {
	var wb wireBatch
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&wb); err != nil {
		return nil, fmt.Errorf("decode batch: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after batch")
	}
	out := make([]*wireMsg, 0, len(wb.Batch))
	for _, raw := range wb.Batch {
		m := &wireMsg{raw: raw, sent: wb.SentAt}
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if err := d.Decode(m); err != nil {
			return nil, fmt.Errorf("decode message: %w", err)
		}
		at, err := time.Parse(time.RFC3339Nano, m.Timestamp)
		if err != nil {
			return nil, fmt.Errorf("message %s: timestamp: %w", m.MessageID, err)
		}
		m.at = at
		out = append(out, m)
	}
	return out, nil
}

// The shared mid-sized shop most tests inspect: big enough to hold every
// kind many times, small enough to parse quickly.
var (
	sharedOnce sync.Once
	sharedShop *generated
)

const sharedSubjects = 1200

func shop(t testing.TB) *generated {
	t.Helper()
	sharedOnce.Do(func() {
		sharedShop = generate(t, demo.Config{Seed: 42, Subjects: sharedSubjects, Now: testNow})
	})
	if sharedShop == nil {
		t.Fatal("shared shop failed to generate")
	}
	return sharedShop
}

// bySubject groups messages by the subject whose anonymousId they carry.
func bySubject(t testing.TB, g *generated, subjects []demo.Subject) map[string][]*wireMsg {
	t.Helper()
	anon := map[string]string{}
	for _, s := range subjects {
		anon[s.AnonymousID] = s.UserID
	}
	out := map[string][]*wireMsg{}
	for _, m := range g.msgs {
		uid, ok := anon[m.AnonymousID]
		if !ok {
			t.Fatalf("message %s: anonymousId of no subject", m.MessageID)
		}
		out[uid] = append(out[uid], m)
	}
	return out
}
