package manifest

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/stewardhq/steward/internal/segment/expr"
	"github.com/stewardhq/steward/internal/taxonomy"
)

// Tag kinds.
const (
	// TagRule: a person carries the tag while a segment expression holds for them.
	TagRule = "rule"
	// TagStatistical: people at or above a quantile of a numeric measure, among those for
	// whom the measure is positive (e.g. the top 10% by 90-day revenue).
	TagStatistical = "statistical"
	// TagModel: a logistic model over numeric features; the tag applies when the score
	// reaches the threshold. Weights are trained elsewhere and declared here, so the
	// model is reviewable like any other definition.
	TagModel = "model"
)

// Tag is a governed tag definition (issue 8 item 2): what it is computed from, for which
// purpose, how long a value lives and whether people may see and delete it. The same type
// is read from the manifest's tags section and from the operator API (JSON).
type Tag struct {
	Name       string  `json:"name" yaml:"-"`
	Kind       string  `json:"kind" yaml:"kind"`
	Expression string  `json:"expression,omitempty" yaml:"expression"`
	Measure    string  `json:"measure,omitempty" yaml:"measure"`
	Quantile   float64 `json:"quantile,omitempty" yaml:"quantile"`
	Model      *Model  `json:"model,omitempty" yaml:"model"`
	// Categories are the data categories the tag is built on (and infers).
	Categories []string `json:"categories" yaml:"categories"`
	Purpose    string   `json:"purpose" yaml:"purpose"`
	// TTL is how long a computed value lives without being recomputed; Refresh is how often
	// it is recomputed. Both are written like segment windows: 30d, 12h, or minutes 15m.
	TTL         string            `json:"ttl" yaml:"ttl"`
	Refresh     string            `json:"refresh" yaml:"refresh"`
	UserVisible bool              `json:"user_visible" yaml:"user_visible"`
	Deletable   bool              `json:"deletable" yaml:"deletable"`
	Label       map[string]string `json:"label,omitempty" yaml:"label"`
	Explain     map[string]string `json:"explain,omitempty" yaml:"explain"`
}

// Model is a logistic scoring model: score = 1/(1+e^-(intercept + Σ weight·term)).
type Model struct {
	Features  []Feature `json:"features" yaml:"features"`
	Intercept float64   `json:"intercept" yaml:"intercept"`
	Threshold float64   `json:"threshold" yaml:"threshold"`
}

// Feature is one numeric term of a model with its weight.
type Feature struct {
	Term   string  `json:"term" yaml:"term"`
	Weight float64 `json:"weight" yaml:"weight"`
}

var tagKeys = []string{"kind", "expression", "measure", "quantile", "model", "categories", "purpose", "ttl", "refresh",
	"user_visible", "deletable", "label", "explain"}

var tagName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// ParsePeriod reads a TTL or refresh interval: a positive whole number of days (d), hours
// (h) or minutes (m), at most ten years.
func ParsePeriod(s string) (time.Duration, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("%q is not a period like 30d, 12h or 15m", s)
	}
	n, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
	if err != nil || n <= 0 || n > 3650*24*60 {
		return 0, fmt.Errorf("%q is not a period like 30d, 12h or 15m", s)
	}
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'h': time.Hour, 'm': time.Minute}[s[len(s)-1]]
	if unit == 0 || time.Duration(n)*unit > 3650*24*time.Hour {
		return 0, fmt.Errorf("%q is not a period like 30d, 12h or 15m (at most 3650d)", s)
	}
	return time.Duration(n) * unit, nil
}

// TagProblem is one reason a tag definition is refused; Field names the key it concerns
// (for locating it in the file), empty for the definition as a whole.
type TagProblem struct {
	Field string
	Msg   string
}

// TagError lists every problem of a refused tag.
type TagError struct {
	Tag      string
	Problems []TagProblem
}

func (e *TagError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Msg
	}
	return fmt.Sprintf("tag %q: %s", e.Tag, strings.Join(msgs, "; "))
}

// ParseTerm reads a numeric term on its own: count(...), sum(...), last_seen(...) or
// trait(...), as used by statistical measures and model features.
func ParseTerm(src string) (expr.Term, error) {
	n, err := expr.Parse(src + " >= 0")
	if err != nil {
		return expr.Term{}, fmt.Errorf("%q is not a term like count(\"Order Completed\", 90d): %v", src, err)
	}
	c, ok := n.(*expr.Compare)
	if !ok {
		return expr.Term{}, fmt.Errorf("%q is not a single term", src)
	}
	return c.Term, nil
}

// Terms returns every term a tag reads, in order, and the tags a rule refers to.
func (t Tag) Terms() ([]expr.Term, []string, error) {
	switch t.Kind {
	case TagRule:
		n, err := expr.Parse(t.Expression)
		if err != nil {
			return nil, nil, err
		}
		terms, tags := ExprRefs(n)
		return terms, tags, nil
	case TagStatistical:
		term, err := ParseTerm(t.Measure)
		if err != nil {
			return nil, nil, err
		}
		return []expr.Term{term}, nil, nil
	case TagModel:
		if t.Model == nil {
			return nil, nil, errors.New("a model tag needs model")
		}
		var out []expr.Term
		for _, f := range t.Model.Features {
			term, err := ParseTerm(f.Term)
			if err != nil {
				return nil, nil, err
			}
			out = append(out, term)
		}
		return out, nil, nil
	}
	return nil, nil, fmt.Errorf("kind %q is not rule, statistical or model", t.Kind)
}

// ExprRefs returns the terms and tag names an expression refers to.
func ExprRefs(n expr.Node) ([]expr.Term, []string) {
	var terms []expr.Term
	var tags []string
	var walk func(expr.Node)
	walk = func(n expr.Node) {
		switch x := n.(type) {
		case *expr.Logical:
			walk(x.X)
			walk(x.Y)
		case *expr.Not:
			walk(x.X)
		case *expr.Tag:
			tags = append(tags, x.Name)
		case *expr.Compare:
			terms = append(terms, x.Term)
		case *expr.In:
			terms = append(terms, x.Term)
		}
	}
	walk(n)
	return terms, tags
}

// TraitField returns the identify field a trait name stands for: traits.<name>, or the one
// identify field whose path ends in .<name> (trait("city") is traits.address.city).
func (m *Manifest) TraitField(name string) (Field, bool) {
	if f, ok := m.FieldFor("identify", "traits."+name); ok {
		return f, true
	}
	var found []Field
	for path, f := range m.Events["identify"].Fields {
		if strings.HasPrefix(path, "traits.") && strings.HasSuffix(path, "."+name) {
			found = append(found, f)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return Field{}, false
}

// TermUse is what a term reads: the categories and whether every field it needs may serve
// the purpose asked about.
type TermUse struct {
	Categories []string
	// Refused explains why the purpose may not read the term ("" when it may).
	Refused string
}

// UseOfTerm says which categories a term reads and whether purpose may read them: a trait
// or summed property must list the purpose; an event counted must have at least one field
// collected for the purpose (otherwise the event is not held for it at all).
func (m *Manifest) UseOfTerm(t expr.Term, purpose string) TermUse {
	if t.Func == expr.Trait {
		f, ok := m.TraitField(t.Name)
		if !ok {
			return TermUse{Refused: fmt.Sprintf("trait %q is not an identify field of the manifest", t.Name)}
		}
		u := TermUse{Categories: []string{f.Category}}
		if !slices.Contains(f.Purposes, purpose) {
			u.Refused = fmt.Sprintf("trait %q (%s) may not serve %s", t.Name, f.Path, purpose)
		}
		return u
	}
	ev, ok := m.Events[t.Name]
	if !ok {
		return TermUse{Refused: fmt.Sprintf("event %q is not in the manifest", t.Name)}
	}
	var u TermUse
	if t.Func == expr.Sum {
		f, ok := ev.Fields["properties."+t.Prop]
		if !ok {
			return TermUse{Refused: fmt.Sprintf("event %q has no field properties.%s", t.Name, t.Prop)}
		}
		u.Categories = []string{f.Category}
		if !slices.Contains(f.Purposes, purpose) {
			u.Refused = fmt.Sprintf("properties.%s of %q may not serve %s", t.Prop, t.Name, purpose)
		}
		return u
	}
	serves := false
	for _, f := range ev.Fields {
		if slices.Contains(f.Purposes, purpose) {
			serves = true
			u.Categories = append(u.Categories, f.Category)
		}
	}
	if !serves {
		// Name what counting it would reveal anyway, so a sensitive event is reported as such.
		u.Refused = fmt.Sprintf("event %q is not collected for %s", t.Name, purpose)
		for _, f := range ev.Fields {
			u.Categories = append(u.Categories, f.Category)
		}
	}
	sort.Strings(u.Categories)
	u.Categories = slices.Compact(u.Categories)
	return u
}

// SegmentSchema is what an expression evaluated for purpose may refer to: traits and
// numeric properties whose fields serve the purpose, events collected for it, and tags.
// Its Known schema is what the manifest lets any purpose read, so a reference the purpose may
// not read is refused as such, not as unknown.
func (m *Manifest) SegmentSchema(purpose string, tags []string) expr.Schema {
	s := m.schemaFor(func(ps []string) bool { return slices.Contains(ps, purpose) }, tags)
	s.Purpose = purpose
	known := m.schemaFor(func(ps []string) bool { return len(ps) > 0 }, tags)
	s.Known = &known
	return s
}

// schemaFor is the schema of the fields whose purposes match.
func (m *Manifest) schemaFor(match func(purposes []string) bool, tags []string) expr.Schema {
	s := expr.Schema{Tags: map[string]bool{}, Traits: map[string]expr.Kind{}, Events: map[string][]string{}}
	for _, t := range tags {
		s.Tags[t] = true
	}
	for path, f := range m.Events["identify"].Fields {
		name, ok := strings.CutPrefix(path, "traits.")
		if !ok || !match(f.Purposes) {
			continue
		}
		// Direct identifiers (email, phone, name, …) pick out one person: a rule or a
		// preview over them would be a membership oracle ("is this email a customer, and
		// did they consent?"), so expressions cannot name them (issue 17).
		if c, ok := m.Taxonomy.Category(f.Category); (ok && c.Identifier) || strings.HasPrefix(f.Category, "user.name") {
			continue
		}
		kind := expr.String
		if f.Type == "number" {
			kind = expr.Number
		}
		s.Traits[name] = kind
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			if short := name[i+1:]; m.traitShortUnique(short) {
				s.Traits[short] = kind
			}
		}
	}
	for et, ev := range m.Events {
		if et == "identify" {
			continue
		}
		var props []string
		serves := false
		for path, f := range ev.Fields {
			if !match(f.Purposes) {
				continue
			}
			serves = true
			if prop, ok := strings.CutPrefix(path, "properties."); ok {
				props = append(props, prop)
			}
		}
		if serves {
			sort.Strings(props)
			s.Events[et] = props
		}
	}
	return s
}

func (m *Manifest) traitShortUnique(short string) bool {
	n := 0
	for path := range m.Events["identify"].Fields {
		if strings.HasPrefix(path, "traits.") && strings.HasSuffix(path, "."+short) {
			n++
		}
	}
	return n == 1
}

// CheckTag validates a tag definition against the manifest. known lists the other tags a
// rule may refer to. It refuses, each with a reason naming what is wrong: a bad name or
// kind, an unknown purpose or category, a term the purpose may not read, a category the
// tag reads but does not declare, a TTL longer than the purpose's retention, and — the
// rule that matters most — a marketing or profiling tag built on a sensitive category
// (PIPL Art. 28-29, GB/T 35273 §7.4; e.g. "pregnant" from baby-product purchases).
func (m *Manifest) CheckTag(t Tag, known []string) error {
	e := &TagError{Tag: t.Name}
	bad := func(field, format string, args ...any) {
		e.Problems = append(e.Problems, TagProblem{field, fmt.Sprintf(format, args...)})
	}
	if !tagName.MatchString(t.Name) {
		bad("name", "name must be lower-case letters, digits and _ (at most 64), starting with a letter")
	}
	pu, purposeOK := m.Taxonomy.Purpose(t.Purpose)
	if !purposeOK {
		bad("purpose", "unknown purpose %q", t.Purpose)
	}
	// Tags used to target or personalise are the person's to see and delete (CAC algorithmic
	// recommendation provisions Art. 17, GB/T 35273 §7.5, PT-04): only a tag for an
	// essential purpose (fraud prevention, the service itself) may be hidden from them.
	if purposeOK && !t.UserVisible && !taxonomy.Beneath(t.Purpose, "essential") {
		bad("user_visible", "a tag for %s must be visible to the people it is used on; only tags for essential purposes (essential.*) may be hidden", t.Purpose)
	}
	switch t.Kind {
	case TagRule:
		if t.Expression == "" || t.Measure != "" || t.Model != nil {
			bad("expression", "a rule tag has an expression and no measure or model")
		}
	case TagStatistical:
		if t.Measure == "" || t.Expression != "" || t.Model != nil {
			bad("measure", "a statistical tag has a measure and no expression or model")
		}
		if !(t.Quantile > 0 && t.Quantile < 1) {
			bad("quantile", "quantile must lie strictly between 0 and 1")
		}
	case TagModel:
		if t.Model == nil || t.Expression != "" || t.Measure != "" {
			bad("model", "a model tag has a model and no expression or measure")
		} else {
			if n := len(t.Model.Features); n == 0 || n > 32 {
				bad("model", "a model has 1 to 32 features")
			}
			for _, f := range t.Model.Features {
				if math.IsNaN(f.Weight) || math.IsInf(f.Weight, 0) {
					bad("model", "feature %s has no finite weight", f.Term)
				}
			}
			if math.IsNaN(t.Model.Intercept) || math.IsInf(t.Model.Intercept, 0) {
				bad("model", "intercept must be finite")
			}
			if !(t.Model.Threshold > 0 && t.Model.Threshold < 1) {
				bad("model", "threshold must lie strictly between 0 and 1")
			}
		}
	default:
		bad("kind", "kind must be rule, statistical or model")
	}
	ttl, err := ParsePeriod(t.TTL)
	if err != nil {
		bad("ttl", "ttl: %v", err)
	} else if days := m.PurposeRetention[t.Purpose]; purposeOK && days > 0 && ttl > time.Duration(days)*24*time.Hour {
		bad("ttl", "ttl %s outlives the %d-day retention of %s", t.TTL, days, t.Purpose)
	}
	if _, err := ParsePeriod(t.Refresh); err != nil {
		bad("refresh", "refresh: %v", err)
	}
	if len(t.Categories) == 0 {
		bad("categories", "a tag names the data categories it is built on")
	}
	declared := map[string]bool{}
	for _, c := range t.Categories {
		if _, ok := m.Taxonomy.Category(c); !ok {
			bad("categories", "unknown category %q", c)
			continue
		}
		declared[c] = true
	}
	read := map[string]bool{}
	if t.Kind == TagRule || t.Kind == TagStatistical || t.Kind == TagModel {
		terms, refs, err := t.Terms()
		if err != nil {
			bad(kindField(t.Kind), "%v", err)
		}
		for _, ref := range refs {
			if ref == t.Name {
				bad("expression", "a tag may not refer to itself")
			} else if !slices.Contains(known, ref) {
				bad("expression", "unknown tag %q", ref)
			}
		}
		for _, term := range terms {
			u := m.UseOfTerm(term, t.Purpose)
			if u.Refused != "" && purposeOK {
				bad(kindField(t.Kind), "%s", u.Refused)
			}
			for _, c := range u.Categories {
				read[c] = true
			}
		}
	}
	for _, c := range sortedKeys(read) {
		if !coveredBy(c, declared) {
			bad("categories", "the tag reads %s but does not declare it", c)
		}
	}
	if purposeOK && (pu.Marketing || pu.Targeting) {
		all := map[string]bool{}
		for c := range declared {
			all[c] = true
		}
		for c := range read {
			all[c] = true
		}
		for _, c := range sortedKeys(all) {
			if cat, ok := m.Taxonomy.Category(c); ok && cat.Grade == taxonomy.Sensitive {
				bad("categories", "%s is a marketing or profiling purpose and may not be built on sensitive category %s (%s)",
					t.Purpose, c, cat.Name)
			}
		}
	}
	if len(e.Problems) > 0 {
		return e
	}
	return nil
}

func kindField(kind string) string {
	switch kind {
	case TagStatistical:
		return "measure"
	case TagModel:
		return "model"
	}
	return "expression"
}

// coveredBy reports whether c or one of its ancestors is declared.
func coveredBy(c string, declared map[string]bool) bool {
	for k := c; k != ""; k = taxonomy.Parent(k) {
		if declared[k] {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// tags reads the tags section: name → definition, checked with every name known so rules
// may refer to tags declared later in the file.
func (p *parser) tags(m *Manifest, n *yaml.Node) {
	type located struct {
		t    Tag
		key  *yaml.Node
		vals map[string]*yaml.Node
	}
	var all []located
	var names []string
	for _, kv := range p.mapping(n, "tags", nil) {
		l := located{key: kv.k, vals: map[string]*yaml.Node{}}
		for _, f := range p.mapping(kv.v, "tag "+kv.k.Value, tagKeys) {
			l.vals[f.k.Value] = f.v
		}
		if err := deref(kv.v).Decode(&l.t); err != nil {
			p.errf(kv.v, "tag %s: %v", kv.k.Value, err)
			continue
		}
		l.t.Name = kv.k.Value
		all = append(all, l)
		names = append(names, l.t.Name)
	}
	for _, l := range all {
		err := m.CheckTag(l.t, names)
		var te *TagError
		if errors.As(err, &te) {
			for _, pr := range te.Problems {
				at := l.key
				if v := l.vals[pr.Field]; v != nil {
					at = v
				}
				p.errf(at, "tag %s: %s", l.t.Name, pr.Msg)
			}
			continue
		}
		m.Tags = append(m.Tags, l.t)
	}
}
