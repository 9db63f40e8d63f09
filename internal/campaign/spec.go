package campaign

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/robfig/cron/v3"

	"github.com/stewardhq/steward/internal/dp"
)

// Channel types.
const (
	ChannelWebhook    = "webhook"
	ChannelEmail      = "email"
	ChannelAdAudience = "ad_audience"
)

// Schedule kinds.
const (
	ScheduleOnce      = "once"
	ScheduleRecurring = "recurring"
	ScheduleTriggered = "triggered"
)

// Quiet-hour actions.
const (
	QuietDefer = "defer"
	QuietSkip  = "skip"
)

// Campaign is a checked campaign definition (the JSON format is in doc.go).
type Campaign struct {
	ID         string      `json:"id"`
	Name       string      `json:"name,omitempty"`
	Purpose    string      `json:"purpose"`
	Audience   Audience    `json:"audience"`
	Channel    Channel     `json:"channel"`
	Sender     string      `json:"sender,omitempty"`
	Locale     string      `json:"locale,omitempty"`
	Content    Content     `json:"content"`
	Schedule   Schedule    `json:"schedule"`
	Holdout    float64     `json:"holdout,omitempty"`
	Conversion *Conversion `json:"conversion,omitempty"`
	Caps       *Caps       `json:"caps,omitempty"`
	QuietHours *QuietHours `json:"quiet_hours,omitempty"`
	// DP, when set, releases the results only through the differential-privacy engine,
	// charged to the named budget (results.go, dpresults.go).
	DP *DPRelease `json:"dp,omitempty"`

	tmpl templates
}

// Audience is who a campaign is for: the members of a segment when it runs (or the person
// whose event triggered it, if they are a member).
type Audience struct {
	Segment string `json:"segment"`
}

// Channel is how messages reach people.
type Channel struct {
	Type string `json:"type"`
	// Endpoint names a configured webhook endpoint (webhook only; "" = the default).
	Endpoint string `json:"endpoint,omitempty"`
	// Destination names the ad platform audience, and Recipient the third party named in
	// the notice that receives it (ad_audience only; PIPL Art. 23).
	Destination string `json:"destination,omitempty"`
	Recipient   string `json:"recipient,omitempty"`
}

// Content holds the two variants. Personalised may use the person's attributes
// ({{.name}}); Plain may not use any, and is what people with personalisation off get.
type Content struct {
	Personalised *Variant `json:"personalised,omitempty"`
	Plain        *Variant `json:"plain,omitempty"`
}

// Variant is one message text.
type Variant struct {
	Subject string `json:"subject,omitempty"`
	Body    string `json:"body"`
}

// Schedule says when a campaign runs.
type Schedule struct {
	Kind string `json:"kind"`
	// At: once, the instant it runs; recurring, the first instant it may run (optional).
	At *time.Time `json:"at,omitempty"`
	// Cron (5 fields: minute hour day-of-month month day-of-week) or Every (an interval),
	// for recurring.
	Cron  string   `json:"cron,omitempty"`
	Every Duration `json:"every,omitzero"`
	// Timezone the cron rule is read in (IANA name; default UTC).
	Timezone string `json:"timezone,omitempty"`
	// Until ends a recurring schedule (optional).
	Until *time.Time `json:"until,omitempty"`
	// Event triggers a run for the person it is about, after Delay.
	Event string   `json:"event,omitempty"`
	Delay Duration `json:"delay,omitzero"`

	cron cron.Schedule
	loc  *time.Location
}

// Conversion is the event that counts as the campaign's success, within Window after a
// message (or after the moment a held-out person would have got one).
type Conversion struct {
	Event  string   `json:"event"`
	Window Duration `json:"window"`
}

// Caps limit this campaign's messages per person: at most Max within Window.
type Caps struct {
	Max    int      `json:"max"`
	Window Duration `json:"window"`
}

// QuietHours is a local time-of-day range with no messages; Start may be after End (over
// midnight). Action: defer (to the end of the quiet hours) or skip.
type QuietHours struct {
	Start  Clock  `json:"start"`
	End    Clock  `json:"end"`
	Action string `json:"action,omitempty"`
}

// DPRelease names the privacy budget a definition's results are released against, and
// the ε each release spends (internal/dp; the budget must exist when results are asked).
type DPRelease struct {
	Budget  string  `json:"budget"`
	Epsilon float64 `json:"epsilon"`
}

// Journey is a checked journey definition.
type Journey struct {
	ID         string      `json:"id"`
	Name       string      `json:"name,omitempty"`
	Purpose    string      `json:"purpose"`
	Entry      Entry       `json:"entry"`
	Channel    Channel     `json:"channel"`
	Sender     string      `json:"sender,omitempty"`
	Locale     string      `json:"locale,omitempty"`
	Holdout    float64     `json:"holdout,omitempty"`
	Conversion *Conversion `json:"conversion,omitempty"`
	Caps       *Caps       `json:"caps,omitempty"`
	QuietHours *QuietHours `json:"quiet_hours,omitempty"`
	DP         *DPRelease  `json:"dp,omitempty"`
	// Reentry lets a person enter again after they finished or exited.
	Reentry bool   `json:"reentry,omitempty"`
	Steps   []Step `json:"steps"`

	next  []int // resolved default next step per step (-1: done)
	index map[string]int
}

// Entry is how people enter a journey: when they enter a segment, or on an event.
type Entry struct {
	Segment string `json:"segment,omitempty"`
	Event   string `json:"event,omitempty"`
}

// Step is one journey step; exactly one of its kinds is set.
type Step struct {
	ID        string   `json:"id"`
	Wait      Duration `json:"wait,omitzero"`
	WaitUntil *Clock   `json:"wait_until,omitempty"`
	Branch    *Branch  `json:"branch,omitempty"`
	Send      *Send    `json:"send,omitempty"`
	Exit      bool     `json:"exit,omitempty"`
	// Next names the step after this one (default: the following step; after the last,
	// the journey is done).
	Next string `json:"next,omitempty"`

	tmpl templates
}

// Branch goes to Then when the person is in Segment at that moment, else to Else.
type Branch struct {
	Segment string `json:"segment"`
	Then    string `json:"then"`
	Else    string `json:"else"`
}

// Send sends a message with this content through the journey's channel.
type Send struct {
	Content Content `json:"content"`
}

// Duration is a time.Duration written as Go does ("90m", "36h") or in days ("7d").
type Duration time.Duration

// D returns the duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// IsZero reports a zero duration (so omitzero leaves it out).
func (d Duration) IsZero() bool { return d == 0 }

// MarshalJSON writes the duration in Go's notation.
func (d Duration) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, time.Duration(d).String()), nil
}

// JSONSchema describes the JSON form (for the OpenAPI document).
func (Duration) JSONSchema() map[string]any {
	return map[string]any{"type": "string", "description": `a duration such as "90m", "36h" or "7d"`}
}

// UnmarshalJSON reads "7d", "36h", "90m".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New(`must be a duration string such as "36h" or "7d"`)
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// ParseDuration reads a Go duration or a whole number of days ("7d").
func ParseDuration(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > 3660 {
			return 0, fmt.Errorf("%q is not a number of days (0–3660)", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return 0, fmt.Errorf(`%q is not a duration such as "36h" or "7d"`, s)
	}
	return v, nil
}

// Clock is a local time of day, in minutes after midnight, written "HH:MM".
type Clock int

// MarshalJSON writes "HH:MM".
func (c Clock) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60)), nil
}

// JSONSchema describes the JSON form (for the OpenAPI document).
func (Clock) JSONSchema() map[string]any {
	return map[string]any{"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "description": "a local time of day, HH:MM"}
}

// UnmarshalJSON reads "HH:MM" (00:00–23:59).
func (c *Clock) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New(`must be a time of day "HH:MM"`)
	}
	v, err := ParseClock(s)
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// ParseClock reads "HH:MM".
func ParseClock(s string) (Clock, error) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, fmt.Errorf(`%q is not a time of day "HH:MM"`, s)
	}
	return Clock(t.Hour()*60 + t.Minute()), nil
}

var (
	idPattern      = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	purposePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`)
)

// maxSpec bounds a definition's size: definitions are configuration, not data.
const maxSpec = 256 << 10

// ParseCampaign decodes and checks a campaign definition. Decoding is strict: unknown or
// duplicate members, trailing data and wrong types are errors, each a *SpecError naming
// where.
func ParseCampaign(b []byte) (*Campaign, error) {
	var c Campaign
	if err := decodeStrict(b, &c); err != nil {
		return nil, err
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return &c, nil
}

// ParseJourney decodes and checks a journey definition (strictly, like ParseCampaign).
func ParseJourney(b []byte) (*Journey, error) {
	var j Journey
	if err := decodeStrict(b, &j); err != nil {
		return nil, err
	}
	if err := j.check(); err != nil {
		return nil, err
	}
	return &j, nil
}

func decodeStrict(b []byte, v any) error {
	if len(b) > maxSpec {
		return &SpecError{Reason: fmt.Sprintf("definition is %d bytes; at most %d", len(b), maxSpec)}
	}
	if !utf8.Valid(b) {
		return &SpecError{Reason: "definition is not valid UTF-8"}
	}
	// RejectUnknownMembers catches typos ("holdot"); duplicate names are rejected by
	// default, so a second "purpose" cannot silently override the first.
	err := json.Unmarshal(b, v, json.RejectUnknownMembers(true), json.MatchCaseInsensitiveNames(false))
	if err == nil {
		return nil
	}
	se := &SpecError{Reason: "invalid JSON"}
	var sem *json.SemanticError
	var syn *jsontext.SyntacticError
	switch {
	case errors.As(err, &sem):
		se.Pointer = string(sem.JSONPointer)
		se.Line, se.Column = lineCol(b, sem.ByteOffset)
		switch {
		case sem.Err != nil && errors.Is(sem.Err, json.ErrUnknownName):
			se.Reason = "unknown member"
		case sem.Err != nil:
			se.Reason = sem.Err.Error()
		case sem.JSONKind != 0 && sem.GoType != nil:
			se.Reason = fmt.Sprintf("must not be a JSON %s", kindName(sem.JSONKind))
		default:
			se.Reason = "has the wrong type"
		}
	case errors.As(err, &syn):
		se.Pointer = string(syn.JSONPointer)
		se.Line, se.Column = lineCol(b, syn.ByteOffset)
		if syn.Err != nil {
			se.Reason = syn.Err.Error()
		}
	default:
		se.Reason = err.Error()
	}
	se.Reason = strings.TrimPrefix(se.Reason, "jsontext: ")
	return se
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return "value"
}

// lineCol turns a byte offset into a 1-based line and column (in characters).
func lineCol(b []byte, off int64) (int, int) {
	if off < 0 || off > int64(len(b)) {
		return 0, 0
	}
	pre := b[:off]
	line := bytes.Count(pre, []byte("\n")) + 1
	col := utf8.RuneCount(pre[bytes.LastIndexByte(pre, '\n')+1:]) + 1
	return line, col
}

func bad(ptr, format string, args ...any) error {
	return &SpecError{Pointer: ptr, Reason: fmt.Sprintf(format, args...)}
}

func (c *Campaign) check() error {
	if !idPattern.MatchString(c.ID) {
		return bad("/id", "must be 1–63 lower-case letters, digits, '-' or '_', starting with a letter or digit")
	}
	if err := checkCommon("", c.Purpose, c.Channel, c.Sender, c.Locale, c.Holdout, c.Conversion, c.Caps, c.QuietHours); err != nil {
		return err
	}
	if err := checkDP(c.DP); err != nil {
		return err
	}
	if c.Audience.Segment == "" {
		return bad("/audience/segment", "is required")
	}
	if c.Channel.Type == ChannelAdAudience {
		// An audience sync carries no content and no schedule of sends: it keeps the
		// platform's audience equal to the eligible members.
		if c.Content.Personalised != nil || c.Content.Plain != nil {
			return bad("/content", "must be empty for an ad_audience channel (audiences carry no message)")
		}
	} else {
		t, err := checkContent("/content", c.Content, c.Channel.Type)
		if err != nil {
			return err
		}
		c.tmpl = t
	}
	return c.Schedule.check("/schedule")
}

func checkCommon(prefix, purpose string, ch Channel, sender, locale string, holdout float64, conv *Conversion, caps *Caps, qh *QuietHours) error {
	if !purposePattern.MatchString(purpose) {
		return bad(prefix+"/purpose", "must be a purpose key such as marketing.communications.email")
	}
	switch ch.Type {
	case ChannelWebhook, ChannelEmail:
		if ch.Destination != "" || ch.Recipient != "" {
			return bad(prefix+"/channel", "destination and recipient are for ad_audience channels only")
		}
	case ChannelAdAudience:
		if ch.Destination == "" {
			return bad(prefix+"/channel/destination", "is required for an ad_audience channel")
		}
		if ch.Recipient == "" {
			return bad(prefix+"/channel/recipient", "must name the third party that receives the audience, as in the notice (PIPL Art. 23)")
		}
		if ch.Endpoint != "" {
			return bad(prefix+"/channel/endpoint", "is for webhook channels only")
		}
	case "":
		return bad(prefix+"/channel/type", "is required: webhook, email or ad_audience")
	default:
		return bad(prefix+"/channel/type", "%q is not webhook, email or ad_audience", ch.Type)
	}
	if ch.Type == ChannelEmail && ch.Endpoint != "" {
		return bad(prefix+"/channel/endpoint", "is for webhook channels only")
	}
	if len(sender) > 200 {
		return bad(prefix+"/sender", "is longer than 200 bytes")
	}
	switch locale {
	case "", "zh-CN", "en":
	default:
		return bad(prefix+"/locale", "%q is not zh-CN or en", locale)
	}
	if math.IsNaN(holdout) || holdout < 0 || holdout > 0.5 {
		return bad(prefix+"/holdout", "must be a share between 0 and 0.5")
	}
	if conv != nil {
		if conv.Event == "" {
			return bad(prefix+"/conversion/event", "is required")
		}
		if conv.Window <= 0 || conv.Window.D() > 90*24*time.Hour {
			return bad(prefix+"/conversion/window", "must be between 1ns and 90d")
		}
	}
	if caps != nil {
		if caps.Max < 1 {
			return bad(prefix+"/caps/max", "must be at least 1")
		}
		if caps.Window <= 0 || caps.Window.D() > 366*24*time.Hour {
			return bad(prefix+"/caps/window", "must be between 1ns and 366d")
		}
	}
	if qh != nil {
		if qh.Start == qh.End {
			return bad(prefix+"/quiet_hours", "start and end are equal: say none by leaving quiet_hours out")
		}
		switch qh.Action {
		case "", QuietDefer, QuietSkip:
		default:
			return bad(prefix+"/quiet_hours/action", "%q is not defer or skip", qh.Action)
		}
	}
	return nil
}

var budgetPattern = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$`)

func checkDP(d *DPRelease) error {
	if d == nil {
		return nil
	}
	if !budgetPattern.MatchString(d.Budget) {
		return bad("/dp/budget", "must name a privacy budget (letters, digits, '_', '.', '-')")
	}
	if math.IsNaN(d.Epsilon) || d.Epsilon < dp.MinEpsilon || d.Epsilon > dp.MaxEpsilon {
		return bad("/dp/epsilon", "must be between %g and %d", dp.MinEpsilon, dp.MaxEpsilon)
	}
	return nil
}

// templates are a content's parsed variants.
type templates struct {
	pSubject, pBody *template.Template
	subject, body   *template.Template
}

func checkContent(ptr string, c Content, channel string) (templates, error) {
	var t templates
	if c.Personalised == nil && c.Plain == nil {
		return t, bad(ptr, "needs a personalised or a plain variant (or both)")
	}
	parse := func(p, s string, allowFields bool) (*template.Template, error) {
		if len(s) > 64<<10 {
			return nil, bad(p, "is longer than 64 KiB")
		}
		tm, err := template.New("").Option("missingkey=zero").Parse(s)
		if err != nil {
			return nil, bad(p, "is not a valid template: %s", strings.TrimPrefix(err.Error(), "template: :"))
		}
		if !allowFields && strings.Contains(s, "{{") {
			// The plain variant is for people who switched personalisation off: it may
			// not use anything about them (PIPL Art. 24; PT-03).
			return nil, bad(p, "the plain variant may not use the person's attributes ({{...}})")
		}
		return tm, nil
	}
	var err error
	if v := c.Personalised; v != nil {
		if v.Body == "" {
			return t, bad(ptr+"/personalised/body", "is required")
		}
		if t.pSubject, err = parse(ptr+"/personalised/subject", v.Subject, true); err != nil {
			return t, err
		}
		if t.pBody, err = parse(ptr+"/personalised/body", v.Body, true); err != nil {
			return t, err
		}
		if channel == ChannelEmail && v.Subject == "" {
			return t, bad(ptr+"/personalised/subject", "is required for email")
		}
	}
	if v := c.Plain; v != nil {
		if v.Body == "" {
			return t, bad(ptr+"/plain/body", "is required")
		}
		if t.subject, err = parse(ptr+"/plain/subject", v.Subject, false); err != nil {
			return t, err
		}
		if t.body, err = parse(ptr+"/plain/body", v.Body, false); err != nil {
			return t, err
		}
		if channel == ChannelEmail && v.Subject == "" {
			return t, bad(ptr+"/plain/subject", "is required for email")
		}
	}
	return t, nil
}

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

func (s *Schedule) check(ptr string) error {
	if s.Timezone != "" {
		loc, err := time.LoadLocation(s.Timezone)
		if err != nil || s.Timezone == "Local" {
			return bad(ptr+"/timezone", "%q is not an IANA time zone", s.Timezone)
		}
		s.loc = loc
	} else {
		s.loc = time.UTC
	}
	switch s.Kind {
	case ScheduleOnce:
		if s.At == nil {
			return bad(ptr+"/at", "is required for a once schedule")
		}
		if s.Cron != "" || s.Every != 0 || s.Event != "" || s.Delay != 0 || s.Until != nil {
			return bad(ptr, "a once schedule takes only at")
		}
	case ScheduleRecurring:
		if (s.Cron == "") == (s.Every == 0) {
			return bad(ptr, "a recurring schedule needs exactly one of cron and every")
		}
		if s.Cron != "" {
			if strings.Contains(s.Cron, "TZ=") {
				return bad(ptr+"/cron", "give the time zone in timezone, not in the rule")
			}
			cs, err := cronParser.Parse(s.Cron)
			if err != nil {
				return bad(ptr+"/cron", "%s", err)
			}
			s.cron = cs
		}
		if s.Every != 0 && s.Every.D() < time.Minute {
			return bad(ptr+"/every", "must be at least 1m")
		}
		if s.Event != "" || s.Delay != 0 {
			return bad(ptr, "a recurring schedule takes no event or delay")
		}
		if s.At != nil && s.Until != nil && !s.Until.After(*s.At) {
			return bad(ptr+"/until", "must be after at")
		}
	case ScheduleTriggered:
		if s.Event == "" {
			return bad(ptr+"/event", "is required for a triggered schedule")
		}
		if s.Cron != "" || s.Every != 0 || s.At != nil {
			return bad(ptr, "a triggered schedule takes only event, delay and until")
		}
		if s.Delay.D() > 90*24*time.Hour {
			return bad(ptr+"/delay", "must be at most 90d")
		}
	case "":
		return bad(ptr+"/kind", "is required: once, recurring or triggered")
	default:
		return bad(ptr+"/kind", "%q is not once, recurring or triggered", s.Kind)
	}
	return nil
}

// Next returns the first run strictly after t (the zero time when there is none): once
// runs at At; recurring per its rule, from At on, until Until; triggered never runs on
// its own.
func (s *Schedule) Next(t time.Time) time.Time {
	switch s.Kind {
	case ScheduleOnce:
		if s.At.After(t) {
			return *s.At
		}
		return time.Time{}
	case ScheduleRecurring:
		if s.At != nil && t.Before(*s.At) {
			t = s.At.Add(-time.Nanosecond)
		}
		var n time.Time
		if s.cron != nil {
			n = s.cron.Next(t.In(s.loc))
		} else {
			base := time.Unix(0, 0)
			if s.At != nil {
				base = *s.At
			}
			k := t.Sub(base)/s.Every.D() + 1
			n = base.Add(k * s.Every.D())
		}
		if s.Until != nil && n.After(*s.Until) {
			return time.Time{}
		}
		return n.UTC()
	}
	return time.Time{}
}

// First returns the first run at or after t.
func (s *Schedule) First(t time.Time) time.Time { return s.Next(t.Add(-time.Nanosecond)) }

func (j *Journey) check() error {
	if !idPattern.MatchString(j.ID) {
		return bad("/id", "must be 1–63 lower-case letters, digits, '-' or '_', starting with a letter or digit")
	}
	if err := checkCommon("", j.Purpose, j.Channel, j.Sender, j.Locale, j.Holdout, j.Conversion, j.Caps, j.QuietHours); err != nil {
		return err
	}
	if err := checkDP(j.DP); err != nil {
		return err
	}
	if j.Channel.Type == ChannelAdAudience {
		return bad("/channel/type", "a journey sends messages: webhook or email")
	}
	if (j.Entry.Segment == "") == (j.Entry.Event == "") {
		return bad("/entry", "needs exactly one of segment and event")
	}
	if len(j.Steps) == 0 {
		return bad("/steps", "needs at least one step")
	}
	if len(j.Steps) > 100 {
		return bad("/steps", "has more than 100 steps")
	}
	j.index = map[string]int{}
	for i, st := range j.Steps {
		p := fmt.Sprintf("/steps/%d", i)
		if !idPattern.MatchString(st.ID) {
			return bad(p+"/id", "must be 1–63 lower-case letters, digits, '-' or '_'")
		}
		if _, dup := j.index[st.ID]; dup {
			return bad(p+"/id", "%q names two steps", st.ID)
		}
		j.index[st.ID] = i
	}
	j.next = make([]int, len(j.Steps))
	sends := 0
	for i := range j.Steps {
		st := &j.Steps[i]
		p := fmt.Sprintf("/steps/%d", i)
		kinds := 0
		for _, set := range []bool{st.Wait != 0, st.WaitUntil != nil, st.Branch != nil, st.Send != nil, st.Exit} {
			if set {
				kinds++
			}
		}
		if kinds != 1 {
			return bad(p, "needs exactly one of wait, wait_until, branch, send and exit")
		}
		ref := func(pp, id string) (int, error) {
			k, ok := j.index[id]
			if !ok {
				return 0, bad(pp, "no step is named %q", id)
			}
			return k, nil
		}
		switch {
		case st.Wait != 0:
			if st.Wait.D() > 366*24*time.Hour {
				return bad(p+"/wait", "must be at most 366d")
			}
		case st.Branch != nil:
			if st.Branch.Segment == "" {
				return bad(p+"/branch/segment", "is required")
			}
			if _, err := ref(p+"/branch/then", st.Branch.Then); err != nil {
				return err
			}
			if _, err := ref(p+"/branch/else", st.Branch.Else); err != nil {
				return err
			}
			if st.Next != "" {
				return bad(p+"/next", "a branch chooses its next step with then and else")
			}
		case st.Send != nil:
			t, err := checkContent(p+"/send/content", st.Send.Content, j.Channel.Type)
			if err != nil {
				return err
			}
			st.tmpl = t
			sends++
		case st.Exit:
			if st.Next != "" {
				return bad(p+"/next", "an exit step has no next step")
			}
		}
		j.next[i] = i + 1
		if i+1 == len(j.Steps) {
			j.next[i] = -1
		}
		if st.Next != "" {
			k, err := ref(p+"/next", st.Next)
			if err != nil {
				return err
			}
			j.next[i] = k
		}
	}
	if sends == 0 {
		return bad("/steps", "a journey needs at least one send step")
	}
	// A loop that never waits would spin: every cycle must pass a wait or wait_until.
	if cyc := j.instantCycle(); cyc >= 0 {
		return bad(fmt.Sprintf("/steps/%d", cyc), "is on a loop with no wait or wait_until")
	}
	return nil
}

// instantCycle returns a step on a cycle that contains no waiting step, or -1.
func (j *Journey) instantCycle() int {
	state := make([]int8, len(j.Steps)) // 0 new, 1 on stack, 2 done
	var visit func(i int) int
	visit = func(i int) int {
		if i < 0 {
			return -1
		}
		st := j.Steps[i]
		if st.Wait != 0 || st.WaitUntil != nil || st.Exit {
			return -1 // waiting or ending breaks the cycle
		}
		switch state[i] {
		case 1:
			return i
		case 2:
			return -1
		}
		state[i] = 1
		succ := []int{j.next[i]}
		if st.Branch != nil {
			succ = []int{j.index[st.Branch.Then], j.index[st.Branch.Else]}
		}
		for _, k := range succ {
			if c := visit(k); c >= 0 {
				return c
			}
		}
		state[i] = 2
		return -1
	}
	for i := range j.Steps {
		if c := visit(i); c >= 0 {
			return c
		}
	}
	return -1
}

// ContentID returns the id campaigns and journeys share in messages: a campaign's id, or
// "journey/step" for a journey's send step.
func (j *Journey) ContentID(step int) string { return j.ID + "/" + j.Steps[step].ID }
