package incident

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/store"
)

// ActIncident is the processing act of a step of the breach register.
const ActIncident audit.Act = "incident"

// Statuses.
const (
	StatusOpen     = "open"
	StatusNotified = "notified"
	StatusClosed   = "closed"
)

// RegulatorWithin is the GDPR Art. 33 deadline after awareness (PIPL: "immediately").
const RegulatorWithin = 72 * time.Hour

// Errors.
var (
	ErrInvalid = errors.New("incident: invalid request")
	// ErrIncomplete: a notice cannot go without every PIPL Art. 57 field.
	ErrIncomplete = errors.New("incident: the notice lacks what PIPL Art. 57 requires")
)

// Scope selects the acts of the audit log the incident concerns.
type Scope struct {
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	Actors     []string  `json:"actors,omitempty"`
	Acts       []string  `json:"acts,omitempty"`
	Purposes   []string  `json:"purposes,omitempty"`
	Recipients []string  `json:"recipients,omitempty"`
}

func (s Scope) matches(l audit.Leaf) bool {
	if l.Time.Before(s.From) || l.Time.After(s.To) {
		return false
	}
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	return in(s.Actors, l.Actor) && in(s.Acts, string(l.Act)) && in(s.Purposes, l.Purpose) && in(s.Recipients, l.Recipient)
}

// Log is the audit log as the register reads it.
type Log interface {
	Size(ctx context.Context) (uint64, error)
	ReadLeaves(ctx context.Context, from, to uint64) (leaves, hashes [][]byte, err error)
	Audience(ctx context.Context, root []byte) ([]string, error)
}

// Store is the register.
type Store interface {
	store.Incidents
	LiveSubjects(ctx context.Context, after string, limit int) ([]string, error)
}

// Recorder records the register's steps and names people as the log does.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
	Pseudonym(subjectID string) string
}

// Config is what a Service needs; all but Now are required.
type Config struct {
	Store    Store
	Log      Log
	Recorder Recorder
	Regime   func() *regime.Regime
	Now      func() time.Time
}

// Service keeps the breach register.
type Service struct {
	cfg Config
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{cfg: cfg}
}

// Report is an incident as reported.
type Report struct {
	Title        string    `json:"title"`
	Drill        bool      `json:"drill,omitempty"`
	DiscoveredAt time.Time `json:"discovered_at"`
	Scope        Scope     `json:"scope"`
	Cause        string    `json:"cause,omitempty"`
	Harm         string    `json:"harm,omitempty"`
	Measures     string    `json:"measures,omitempty"`
	Remedies     string    `json:"remedies,omitempty"`
	Contact      string    `json:"contact,omitempty"`
}

// View is an incident with its deadlines and draft notices.
type View struct {
	ID                    string     `json:"id"`
	Title                 string     `json:"title"`
	Drill                 bool       `json:"drill"`
	Status                string     `json:"status"`
	DiscoveredAt          time.Time  `json:"discovered_at"`
	Scope                 Scope      `json:"scope"`
	Cause                 string     `json:"cause"`
	Harm                  string     `json:"harm"`
	Measures              string     `json:"measures"`
	Remedies              string     `json:"remedies"`
	Contact               string     `json:"contact"`
	Affected              int        `json:"affected"`
	Categories            []string   `json:"categories"`
	Purposes              []string   `json:"purposes"`
	RegulatorDue          time.Time  `json:"regulator_due"`
	Overdue               bool       `json:"overdue"`
	RegulatorNotifiedAt   *time.Time `json:"regulator_notified_at,omitempty"`
	IndividualsNotifiedAt *time.Time `json:"individuals_notified_at,omitempty"`
	Missing               []string   `json:"missing"`
	Notices               Notices    `json:"notices"`
	CreatedBy             string     `json:"created_by"`
	CreatedAt             time.Time  `json:"created_at"`
}

func newID() string {
	b := make([]byte, 10)
	rand.Read(b)
	return "in_" + hex.EncodeToString(b)
}

// Open enters an incident, computing who and what it affected from the audit log.
func (s *Service) Open(ctx context.Context, in Report, actor string) (View, error) {
	if strings.TrimSpace(in.Title) == "" || in.DiscoveredAt.IsZero() || in.Scope.From.IsZero() || in.Scope.To.IsZero() || in.Scope.To.Before(in.Scope.From) {
		return View{}, fmt.Errorf("%w: an incident needs a title, the time it was discovered and a scope from ≤ to", ErrInvalid)
	}
	ps, cats, purposes, err := s.affected(ctx, in.Scope)
	if err != nil {
		return View{}, err
	}
	scope, _ := json.Marshal(in.Scope)
	now := s.cfg.Now().UTC()
	i := store.Incident{ID: newID(), Title: in.Title, Drill: in.Drill, DiscoveredAt: in.DiscoveredAt.UTC(), Scope: scope, Cause: in.Cause,
		Harm: in.Harm, Measures: in.Measures, Remedies: in.Remedies, Contact: in.Contact, Affected: len(ps), Categories: cats,
		Purposes: purposes, Status: StatusOpen, CreatedBy: actor, CreatedAt: now, UpdatedAt: now}
	if i.Contact == "" {
		i.Contact = s.defaultContact()
	}
	if err := s.cfg.Store.CreateIncident(ctx, i); err != nil {
		return View{}, err
	}
	if err := s.record(ctx, i, "opened", actor); err != nil {
		return View{}, err
	}
	return s.view(i), nil
}

func (s *Service) defaultContact() string {
	c := s.cfg.Regime().Manifest().Controller
	if c.PIPO != "" {
		return c.PIPO
	}
	return c.Contact
}

func (s *Service) record(ctx context.Context, i store.Incident, step, actor string) error {
	if actor == "" {
		actor = "system"
	}
	return s.cfg.Recorder.Record(ctx, audit.Event{Act: ActIncident, Actor: actor, LegalBasis: "legal_obligation",
		Detail: map[string]string{"incident": i.ID, "step": step, "affected": strconv.Itoa(i.Affected), "drill": strconv.FormatBool(i.Drill),
			"categories": strings.Join(i.Categories, ",")}})
}

// affected scans the log for the scope's acts: the distinct pseudonyms they concern and
// the categories and purposes they involved.
func (s *Service) affected(ctx context.Context, sc Scope) (pseudonyms, categories, purposes []string, err error) {
	n, err := s.cfg.Log.Size(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	people, cats, ps := map[string]bool{}, map[string]bool{}, map[string]bool{}
	const chunk = 4096
	for from := uint64(0); from < n; from += chunk {
		leaves, _, err := s.cfg.Log.ReadLeaves(ctx, from, min(from+chunk, n))
		if err != nil {
			return nil, nil, nil, err
		}
		for _, raw := range leaves {
			l, err := audit.ParseLeaf(raw)
			if err != nil || !sc.matches(l) {
				continue
			}
			if l.Act == ActIncident {
				continue // the register's own steps concern nobody
			}
			if l.Subject != "" {
				people[l.Subject] = true
			}
			if rs := l.Detail[audit.DetailAudienceRoot]; rs != "" {
				root, err := hex.DecodeString(rs)
				if err != nil {
					continue
				}
				members, err := s.cfg.Log.Audience(ctx, root)
				if err != nil && !errors.Is(err, audit.ErrNoAudience) {
					return nil, nil, nil, err
				}
				for _, m := range members {
					people[m] = true
				}
			}
			for _, c := range l.Categories {
				cats[c] = true
			}
			if l.Purpose != "" {
				ps[l.Purpose] = true
			}
		}
	}
	return keys(people), keys(cats), keys(ps), nil
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (s *Service) view(i store.Incident) View {
	v := View{ID: i.ID, Title: i.Title, Drill: i.Drill, Status: i.Status, DiscoveredAt: i.DiscoveredAt, Cause: i.Cause, Harm: i.Harm,
		Measures: i.Measures, Remedies: i.Remedies, Contact: i.Contact, Affected: i.Affected, Categories: i.Categories, Purposes: i.Purposes,
		RegulatorDue: i.DiscoveredAt.Add(RegulatorWithin), RegulatorNotifiedAt: i.RegulatorNotifiedAt, IndividualsNotifiedAt: i.IndividualsNotifiedAt,
		CreatedBy: i.CreatedBy, CreatedAt: i.CreatedAt, Missing: missing(i)}
	json.Unmarshal(i.Scope, &v.Scope) //nolint:errcheck // written by Open
	if v.Categories == nil {
		v.Categories = []string{}
	}
	if v.Purposes == nil {
		v.Purposes = []string{}
	}
	v.Overdue = i.RegulatorNotifiedAt == nil && !i.Drill && s.cfg.Now().After(v.RegulatorDue)
	v.Notices = s.notices(i)
	return v
}

// missing names the PIPL Art. 57 contents not yet filled in.
func missing(i store.Incident) []string {
	out := []string{}
	for _, f := range []struct{ name, v string }{{"cause", i.Cause}, {"harm", i.Harm}, {"measures", i.Measures}, {"remedies", i.Remedies}, {"contact", i.Contact}} {
		if strings.TrimSpace(f.v) == "" {
			out = append(out, f.name)
		}
	}
	return out
}

// Get returns one incident.
func (s *Service) Get(ctx context.Context, id string) (View, error) {
	i, err := s.cfg.Store.Incident(ctx, id)
	if err != nil {
		return View{}, err
	}
	return s.view(i), nil
}

// List returns the register, newest discovery first.
func (s *Service) List(ctx context.Context) ([]View, error) {
	is, err := s.cfg.Store.ListIncidents(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]View, len(is))
	for k, i := range is {
		out[k] = s.view(i)
	}
	return out, nil
}

// Update is what may change after opening: the Art. 57 contents and closing.
type Update struct {
	Cause    *string `json:"cause,omitempty"`
	Harm     *string `json:"harm,omitempty"`
	Measures *string `json:"measures,omitempty"`
	Remedies *string `json:"remedies,omitempty"`
	Contact  *string `json:"contact,omitempty"`
	// Notified marks a notice sent: "regulator" or "individuals".
	Notified string `json:"notified,omitempty"`
	// Close closes the incident.
	Close bool `json:"close,omitempty"`
}

// Change applies an update. Marking a notice sent needs every Art. 57 content.
func (s *Service) Change(ctx context.Context, id string, u Update, actor string) (View, error) {
	i, err := s.cfg.Store.Incident(ctx, id)
	if err != nil {
		return View{}, err
	}
	for _, f := range []struct {
		dst *string
		src *string
	}{{&i.Cause, u.Cause}, {&i.Harm, u.Harm}, {&i.Measures, u.Measures}, {&i.Remedies, u.Remedies}, {&i.Contact, u.Contact}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	now := s.cfg.Now().UTC()
	step := "updated"
	switch u.Notified {
	case "":
	case "regulator", "individuals":
		if m := missing(i); len(m) > 0 {
			return View{}, fmt.Errorf("%w: %s", ErrIncomplete, strings.Join(m, ", "))
		}
		if u.Notified == "regulator" {
			i.RegulatorNotifiedAt = &now
		} else {
			i.IndividualsNotifiedAt = &now
		}
		i.Status, step = StatusNotified, "notified_"+u.Notified
	default:
		return View{}, fmt.Errorf("%w: notified is regulator or individuals", ErrInvalid)
	}
	if u.Close {
		i.Status, step = StatusClosed, "closed"
	}
	i.UpdatedAt = now
	if err := s.cfg.Store.UpdateIncident(ctx, i); err != nil {
		return View{}, err
	}
	if err := s.record(ctx, i, step, actor); err != nil {
		return View{}, err
	}
	return s.view(i), nil
}

// Affected returns the subjects the incident affected who can still be reached (their
// pseudonym matches a live subject: the list to send the individual notice to), and how
// many affected people are no longer linkable (erased since, or merged away).
func (s *Service) Affected(ctx context.Context, id string) (subjects []string, unlinkable int, err error) {
	i, err := s.cfg.Store.Incident(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	var sc Scope
	if err := json.Unmarshal(i.Scope, &sc); err != nil {
		return nil, 0, err
	}
	ps, _, _, err := s.affected(ctx, sc)
	if err != nil {
		return nil, 0, err
	}
	want := map[string]bool{}
	for _, p := range ps {
		want[p] = true
	}
	after := ""
	for {
		ids, err := s.cfg.Store.LiveSubjects(ctx, after, 1000)
		if err != nil {
			return nil, 0, err
		}
		for _, id := range ids {
			if want[s.cfg.Recorder.Pseudonym(id)] {
				subjects = append(subjects, id)
			}
		}
		if len(ids) < 1000 {
			break
		}
		after = ids[len(ids)-1]
	}
	return subjects, len(ps) - len(subjects), nil
}
