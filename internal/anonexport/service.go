package anonexport

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/anonymise"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/profile"
	"github.com/stewardhq/steward/internal/segment"
	"github.com/stewardhq/steward/internal/segment/expr"
	"github.com/stewardhq/steward/internal/taxonomy"
)

// Profiles is what the service reads of the profile engine (*profile.Engine): people's
// traits, computed attributes, tags and segments, as the profiling purposes read them
// through the purpose-scoped reader.
type Profiles interface {
	CheckReady() error
	PersonOf(subjectID string, traits []string, specs []profile.AttributeSpec) (profile.Person, bool)
	Tags() []profile.TagView
	Segment(name string) (profile.SegmentView, bool)
	Segments() []profile.SegmentView
	CompileSegment(def profile.SegmentDef) (*segment.Plan, error)
}

// Subjects pages through the people the shop holds, by id (store.Profiles).
type Subjects interface {
	LiveSubjects(ctx context.Context, after string, limit int) ([]string, error)
}

// Recorder records a release as one act about everyone in it (*audit.Recorder).
type Recorder interface {
	RecordAudience(ctx context.Context, e audit.Event, subjectIDs []string) (uint64, error)
}

// Config is what a Service needs; every field but MaxPeople and Now is required.
type Config struct {
	Profiles Profiles
	Subjects Subjects
	// Decider is the policy as the reader asks it (access.PolicyDecider): whether the
	// purpose may read a category for one person.
	Decider  access.Decider
	Manifest func() *manifest.Manifest
	Recorder Recorder
	// MaxPeople bounds a table (default 2,000,000): beyond it, export a segment.
	MaxPeople int
	// Transfers screens and registers exports to a named recipient (Spec.Recipient); nil
	// refuses them (issue 26).
	Transfers Transfers
	Now       func() time.Time
}

// Service builds, previews and releases anonymised exports.
type Service struct {
	cfg Config
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Profiles == nil || cfg.Subjects == nil || cfg.Decider == nil || cfg.Manifest == nil || cfg.Recorder == nil {
		return nil, errors.New("new anonymised export service: Profiles, Subjects, Decider, Manifest and Recorder are required")
	}
	if cfg.MaxPeople <= 0 {
		cfg.MaxPeople = 2_000_000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{cfg: cfg}, nil
}

// PurposeOption is a purpose and whether it may release anonymised data.
type PurposeOption struct {
	Key        string `json:"key"`
	Exportable bool   `json:"exportable"`
	// Reason says why not, when not.
	Reason string `json:"reason,omitempty"`
}

// Options is what a request for a purpose may name: the purposes, the columns of the
// purpose asked for (the first exportable one when none), and the segments.
type Options struct {
	Purposes []PurposeOption `json:"purposes"`
	Purpose  string          `json:"purpose"`
	Columns  []Column        `json:"columns"`
	Segments []string        `json:"segments"`
	// Defaults for a new request.
	K           int      `json:"k"`
	Suppression float64  `json:"suppression"`
	Metrics     []string `json:"metrics"`
}

// Options lists what an export for purpose may name ("" for the default purpose).
func (s *Service) Options(purpose string) (Options, error) {
	if err := s.cfg.Profiles.CheckReady(); err != nil {
		return Options{}, err
	}
	m := s.cfg.Manifest()
	out := Options{Purposes: []PurposeOption{}, Columns: []Column{}, Segments: []string{}, K: 5, Suppression: 0.05,
		Metrics: []string{string(anonymise.Loss), string(anonymise.Precision), string(anonymise.Discernibility), string(anonymise.NonUniformEntropy)}}
	first := ""
	for _, p := range m.Taxonomy.Purposes() {
		o := PurposeOption{Key: p.Key, Exportable: true}
		if err := Exportable(p); err != nil {
			o.Exportable, o.Reason = false, strings.TrimPrefix(err.Error(), ErrPurpose.Error()+": ")
		} else if first == "" || p.Key == ExportPurpose {
			first = p.Key
		}
		out.Purposes = append(out.Purposes, o)
	}
	if purpose == "" {
		purpose = first
	} else if err := s.exportable(m, purpose); err != nil {
		return Options{}, err
	}
	out.Purpose = purpose
	if purpose == "" {
		return out, nil // no purpose of this manifest may export
	}
	_, cols, _ := catalogue(m, purpose, s.cfg.Profiles.Tags())
	out.Columns = append(out.Columns, cols...)
	// Every segment is listed; a preview checks that the purpose may read what one reads.
	for _, v := range s.cfg.Profiles.Segments() {
		out.Segments = append(out.Segments, v.Name)
	}
	return out, nil
}

func (s *Service) exportable(m *manifest.Manifest, purpose string) error {
	p, ok := m.Taxonomy.Purpose(purpose)
	if !ok {
		return fmt.Errorf("%w: unknown purpose %q", ErrInvalid, purpose)
	}
	return Exportable(p)
}

// Generalisation is what a release does to one quasi-identifier.
type Generalisation struct {
	Column    string `json:"column"`
	Hierarchy string `json:"hierarchy"`
	// Level is the chosen level (0: the value itself; Height: "*" for everyone), LevelName
	// says what it is (province, intervals of 10, month, *), Levels names every level.
	Level     int      `json:"level"`
	Height    int      `json:"height"`
	LevelName string   `json:"level_name"`
	Levels    []string `json:"levels"`
	// Missing counts the people without a value; Unlisted the distinct values the declared
	// hierarchy does not list (generalised to "(other)"); Unparsed the distinct values of
	// a number or date column that are not one.
	Missing  int `json:"missing"`
	Unlisted int `json:"unlisted,omitempty"`
	Unparsed int `json:"unparsed,omitempty"`
}

// Preview is a dry run: everything the release would be, but the data.
type Preview struct {
	// PreviewID names this request over this table; Release given it refuses when either
	// changed (ErrChanged).
	PreviewID  string           `json:"preview_id"`
	Spec       Spec             `json:"spec"`
	Population Population       `json:"population"`
	Columns    []Generalisation `json:"columns"`
	Models     []string         `json:"models"`
	// Report is the utility under every metric and the risk before and after, with a
	// plain-language summary in English and Simplified Chinese.
	Report *anonymise.Report `json:"report"`
}

// prepared is a previewed export with its result, ready to be written.
type prepared struct {
	Preview
	table  *table
	result *anonymise.Result
}

// Preview builds the table for spec, anonymises it and reports, releasing nothing.
func (s *Service) Preview(ctx context.Context, spec Spec) (*Preview, error) {
	p, err := s.prepare(ctx, spec)
	if err != nil {
		return nil, err
	}
	return &p.Preview, nil
}

func (s *Service) prepare(ctx context.Context, spec Spec) (*prepared, error) {
	cfg, err := spec.config()
	if err != nil {
		return nil, err
	}
	if err := s.cfg.Profiles.CheckReady(); err != nil {
		return nil, err
	}
	m := s.cfg.Manifest()
	if err := s.exportable(m, spec.Purpose); err != nil {
		return nil, err
	}
	byID, _, identifiers := catalogue(m, spec.Purpose, s.cfg.Profiles.Tags())
	column := func(id, role string) (Column, error) {
		if cat, ok := identifiers[id]; ok {
			return Column{}, fmt.Errorf("%w: %s %q is a direct identifier (%s); an anonymous release never holds one", ErrInvalid, role, id, cat)
		}
		c, ok := byID[id]
		if !ok {
			return Column{}, fmt.Errorf("%w: %s %q is not a column %s may read (trait:NAME, tag:NAME or attribute:NAME; see the options)", ErrInvalid, role, id, spec.Purpose)
		}
		return c, nil
	}
	var cols []Column
	for _, q := range spec.QuasiIdentifiers {
		c, err := column(q, "quasi-identifier")
		if err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	if spec.Sensitive != "" {
		c, err := column(spec.Sensitive, "sensitive attribute")
		if err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	if spec.Segment != "" {
		v, ok := s.cfg.Profiles.Segment(spec.Segment)
		if !ok {
			return nil, fmt.Errorf("anonymised export: segment %q: %w", spec.Segment, profile.ErrNoSuchSegment)
		}
		// The selection is itself a use of what the expression reads: it must be the
		// export purpose's to read, whatever purpose the segment was made for.
		if err := s.segmentReadable(v, spec.Purpose); err != nil {
			return nil, fmt.Errorf("%w: segment %q reads what %s may not: %v", ErrInvalid, spec.Segment, spec.Purpose, err)
		}
	}
	t, err := s.gather(ctx, spec.Purpose, spec.Segment, cols)
	if err != nil {
		return nil, err
	}
	if err := s.screen(ctx, spec, t); err != nil {
		return nil, err
	}
	if len(t.rows) == 0 {
		return nil, fmt.Errorf("%w: of %d people, none may be read for %s", ErrNoPeople, t.pop.Considered, spec.Purpose)
	}
	p := &prepared{table: t}
	p.Spec, p.Population = spec, t.pop
	p.PreviewID = previewID(m, spec, t)

	at, err := anonymise.NewTable(t.header)
	if err != nil {
		return nil, err
	}
	t.shuffle()
	for _, row := range t.rows {
		if err := at.Append(row); err != nil {
			return nil, err
		}
	}
	cfg.Hierarchies = map[string]*anonymise.Hierarchy{}
	names := map[string][]string{}
	for i, c := range cols[:len(spec.QuasiIdentifiers)] {
		values := make([]string, len(t.rows))
		missing := 0
		for r, row := range t.rows {
			values[r] = row[i]
			if row[i] == "" {
				missing++
			}
		}
		b, err := hierarchyFor(c, values)
		if err != nil {
			return nil, err
		}
		cfg.Hierarchies[c.ID], names[c.ID] = b.h, b.names
		p.Columns = append(p.Columns, Generalisation{Column: c.ID, Hierarchy: c.Hierarchy, Height: b.h.Height(), Levels: b.names,
			Missing: missing, Unlisted: b.unlisted, Unparsed: b.unparsed})
	}
	if cfg.TCloseness != nil {
		cfg.TCloseness.Ordered = at.Numeric(at.Column(spec.Sensitive))
	}
	eng, err := anonymise.New(at, cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	p.Models = eng.Models()
	res, err := eng.Search(ctx)
	if err != nil {
		// ErrUnsatisfiable names the model; the count says over how many people.
		return nil, fmt.Errorf("anonymised export of %d people: %w", len(t.rows), err)
	}
	rep, err := res.Report()
	if err != nil {
		return nil, err
	}
	for i := range p.Columns {
		p.Columns[i].Level = res.Levels[i]
		p.Columns[i].LevelName = names[p.Columns[i].Column][res.Levels[i]]
	}
	p.result, p.Report = res, rep
	return p, nil
}

// segmentReadable checks a segment's expression against what purpose may read: its terms
// through the engine's own check, and every tag it refers to must be made for the purpose
// (the engine's check knows tags by name only).
func (s *Service) segmentReadable(v profile.SegmentView, purpose string) error {
	if _, err := s.cfg.Profiles.CompileSegment(profile.SegmentDef{Name: v.Name, Expression: v.Expression, Purpose: purpose}); err != nil {
		return err
	}
	n, err := expr.Parse(v.Expression)
	if err != nil {
		return err
	}
	_, refs := manifest.ExprRefs(n)
	for _, ref := range refs {
		for _, t := range s.cfg.Profiles.Tags() {
			if t.Name == ref && !taxonomy.Beneath(t.Purpose, purpose) {
				return fmt.Errorf("tag %q is made for %s", ref, t.Purpose)
			}
		}
	}
	return nil
}

// previewID is a digest of the request, the manifest in force and the table's rows as a
// multiset (row order is random), so a release can tell it is releasing what was shown.
func previewID(m *manifest.Manifest, spec Spec, t *table) string {
	h := sha256.New()
	b, _ := json.Marshal(spec)
	h.Write(b)
	h.Write([]byte{0})
	h.Write([]byte(m.Hash()))
	rows := make([]string, len(t.rows))
	for i, r := range t.rows {
		rows[i] = strings.Join(r, "\x1f")
	}
	slices.Sort(rows)
	for _, r := range rows {
		h.Write([]byte{0})
		h.Write([]byte(r))
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// Release formats.
const (
	FormatCSV  = "csv"
	FormatJSON = "json"
)

// ReleaseOptions says who releases, in which form, and which preview they saw.
type ReleaseOptions struct {
	Actor string
	// Format is csv (default) or json.
	Format string
	// PreviewID, when set, must be the id of a preview of the same request over the same
	// data (ErrChanged otherwise).
	PreviewID string
}

// Release is a released export: the preview of what it is, and the data.
type Release struct {
	Preview
	Format   string `json:"format"`
	Filename string `json:"filename"`
	// CSV is the file (format csv); Header and Rows the same as JSON (format json).
	CSV    string     `json:"csv,omitempty"`
	Header []string   `json:"header,omitempty"`
	Rows   [][]string `json:"rows,omitempty"`
	// SHA256 is the digest of the CSV, recorded in the audit leaf.
	SHA256 string `json:"sha256"`
	// AuditLeaf is the index of the leaf that records the release.
	AuditLeaf uint64 `json:"audit_leaf"`
}

// Release anonymises spec's table and, once the act is recorded in the audit log (one leaf
// committing to everyone in the table), returns it.
func (s *Service) Release(ctx context.Context, spec Spec, o ReleaseOptions) (*Release, error) {
	switch o.Format {
	case "":
		o.Format = FormatCSV
	case FormatCSV, FormatJSON:
	default:
		return nil, fmt.Errorf("%w: format is csv or json, got %q", ErrInvalid, o.Format)
	}
	if o.Actor == "" {
		return nil, fmt.Errorf("%w: a release names who releases it", ErrInvalid)
	}
	p, err := s.prepare(ctx, spec)
	if err != nil {
		return nil, err
	}
	if o.PreviewID != "" && o.PreviewID != p.PreviewID {
		return nil, fmt.Errorf("%w: preview %s no longer matches (the request, the manifest or someone's data or consent changed); preview again", ErrChanged, o.PreviewID)
	}
	var buf bytes.Buffer
	if err := p.result.WriteCSV(&buf, ','); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(buf.Bytes())
	rel := &Release{Preview: p.Preview, Format: o.Format, SHA256: hex.EncodeToString(sum[:]),
		Filename: "anonymised-" + strings.ReplaceAll(spec.Purpose, ".", "-") + "-" + s.cfg.Now().UTC().Format("20060102-150405") + ".csv"}
	if o.Format == FormatJSON {
		recs, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
		if err != nil {
			return nil, err
		}
		rel.Header, rel.Rows = recs[0], recs[1:]
		rel.Filename = strings.TrimSuffix(rel.Filename, ".csv") + ".json"
	} else {
		rel.CSV = buf.String()
	}
	if err := s.register(ctx, spec, p.table, o.Actor); err != nil {
		return nil, err
	}
	basis := ""
	if pu, ok := s.cfg.Manifest().Taxonomy.Purpose(spec.Purpose); ok {
		basis = string(pu.Basis)
	}
	rel.AuditLeaf, err = s.cfg.Recorder.RecordAudience(ctx, audit.Event{Act: audit.ActAnonymisedRelease, Actor: o.Actor, Purpose: spec.Purpose,
		LegalBasis: basis, Detail: detail(p, rel)}, p.table.subjects)
	if err != nil {
		return nil, err
	}
	return rel, nil
}

// detail is what the audit leaf says of a release: the request, the transformation and
// the risk figures; never a value.
func detail(p *prepared, rel *Release) map[string]string {
	r := p.Report
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }
	levels := make([]string, len(p.Columns))
	for i, c := range p.Columns {
		levels[i] = c.LevelName
	}
	d := map[string]string{
		"quasi_identifiers":         strings.Join(p.Spec.QuasiIdentifiers, "; "),
		"levels":                    strings.Join(levels, "; "),
		"models":                    strings.Join(p.Models, "; "),
		"k":                         strconv.Itoa(p.Spec.K),
		"suppression_limit":         f(p.Spec.Suppression),
		"metric":                    string(r.Metric),
		"loss":                      f(r.Loss),
		"records":                   strconv.Itoa(r.Records),
		"suppressed":                strconv.Itoa(r.Suppressed),
		"classes":                   strconv.Itoa(r.Classes),
		"excluded_not_permitted":    strconv.Itoa(p.Population.Considered - p.Population.Included),
		"prosecutor_highest_before": f(r.Risk.Before.ProsecutorHighest),
		"prosecutor_highest_after":  f(r.Risk.After.ProsecutorHighest),
		"prosecutor_average_after":  f(r.Risk.After.ProsecutorAverage),
		"sample_uniques_before":     f(r.Risk.Before.SampleUniques),
		"sample_uniques_after":      f(r.Risk.After.SampleUniques),
		"marketer_after":            f(r.Risk.After.MarketerAverage),
		"format":                    rel.Format,
		"sha256":                    rel.SHA256,
		"preview_id":                p.PreviewID,
	}
	if p.Spec.Sensitive != "" {
		d["sensitive"] = p.Spec.Sensitive
	}
	if p.Spec.Segment != "" {
		d["segment"] = p.Spec.Segment
	}
	return d
}
