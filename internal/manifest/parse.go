package manifest

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/stewardhq/steward/internal/taxonomy"
)

// CheckFile parses the manifest at path; it returns nil, an *ErrorList, or the read error.
func CheckFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	_, err = Parse(path, data)
	return err
}

// Parse parses and checks a manifest. name labels error locations. On any mistake it
// returns a nil manifest and an *ErrorList holding every located error.
func Parse(name string, data []byte) (m *Manifest, err error) {
	p := &parser{name: name}
	defer func() {
		// A decoder panic on hostile input is still a located error, never a crash.
		if r := recover(); r != nil {
			m, err = nil, &ErrorList{Errors: []Error{{File: name, Line: 1, Col: 1, Msg: fmt.Sprintf("invalid YAML: %v", r)}}}
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		p.yamlError(err)
		return nil, p.list()
	}
	if len(doc.Content) == 0 {
		return nil, &ErrorList{Errors: []Error{{File: name, Line: 1, Col: 1, Msg: "empty manifest"}}}
	}
	// Aliases are expanded by everything after this point (the checks walk them, the
	// canonical form writes them out), so their expansion is bounded before anything is
	// built: a few KB of nested aliases must not cost gigabytes (issue 17 item 6).
	if n, at := expandedSize(&doc, MaxNodes); n > MaxNodes {
		p.errf(at, "aliases expand the manifest to more than %d nodes; write the repeated parts out or share less", MaxNodes)
		return nil, p.list()
	}
	m = p.manifest(doc.Content[0])
	if len(p.errs) > 0 {
		return nil, p.list()
	}
	return m, nil
}

type parser struct {
	name string
	errs []Error
}

func (p *parser) list() *ErrorList {
	sort.SliceStable(p.errs, func(i, j int) bool {
		a, b := p.errs[i], p.errs[j]
		return a.Line < b.Line || (a.Line == b.Line && a.Col < b.Col)
	})
	return &ErrorList{Errors: p.errs}
}

func (p *parser) errf(n *yaml.Node, format string, args ...any) {
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, max(n.Column, 1)
	}
	p.errs = append(p.errs, Error{File: p.name, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// yamlError turns a yaml.v3 error (which names lines, not columns) into located errors.
func (p *parser) yamlError(err error) {
	msgs := []string{err.Error()}
	if te, ok := err.(*yaml.TypeError); ok {
		msgs = te.Errors
	}
	for _, msg := range msgs {
		line := 1
		if mm := yamlLine.FindStringSubmatch(msg); mm != nil {
			if n, err := strconv.Atoi(mm[1]); err == nil && n > 0 {
				line = n
			}
		}
		msg = strings.TrimPrefix(msg, "yaml: ")
		p.errs = append(p.errs, Error{File: p.name, Line: line, Col: 1, Msg: "invalid YAML: " + msg})
	}
}

// pair is one key/value of a mapping.
type pair struct{ k, v *yaml.Node }

// mapping returns n's pairs, reporting a non-mapping, unknown keys (when allowed is not nil)
// and duplicates.
func (p *parser) mapping(n *yaml.Node, what string, allowed []string) []pair {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return nil
		}
		p.errf(n, "%s must be a mapping", what)
		return nil
	}
	var out []pair
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			p.errf(k, "%s: keys must be strings", what)
			continue
		}
		if allowed != nil && !slices.Contains(allowed, k.Value) {
			p.errf(k, "%s: unknown key %q", what, k.Value)
			continue
		}
		if seen[k.Value] {
			p.errf(k, "%s: duplicate key %q", what, k.Value)
			continue
		}
		seen[k.Value] = true
		out = append(out, pair{k, v})
	}
	return out
}

// MaxNodes bounds the size of a manifest with every alias expanded. The built-in manifest
// has about 900 nodes; a shop with 500 event types of 30 fields stays well below.
const MaxNodes = 200_000

// expandedSize returns how many nodes root stands for with every alias expanded, counting
// each distinct node once (memoised), so the work is linear in the document. It stops
// counting past limit and returns the alias (or node) where the limit was crossed.
func expandedSize(root *yaml.Node, limit int) (int, *yaml.Node) {
	memo := map[*yaml.Node]int{}
	var at *yaml.Node
	var size func(n *yaml.Node, depth int) int
	size = func(n *yaml.Node, depth int) int {
		if n == nil {
			return 0
		}
		if v, ok := memo[n]; ok {
			return v
		}
		if depth > 1000 { // yaml.v3 rejects alias cycles; this guards the recursion anyway
			return limit + 1
		}
		memo[n] = limit + 1 // a cycle back to n counts as too big
		total := 1
		if n.Kind == yaml.AliasNode {
			total += size(n.Alias, depth+1)
		}
		for _, c := range n.Content {
			if total > limit {
				break
			}
			total += size(c, depth+1)
		}
		total = min(total, limit+1)
		if total > limit && at == nil {
			at = n
		}
		memo[n] = total
		return total
	}
	return size(root, 0), at
}

// deref follows aliases (bounded: yaml.v3 rejects alias cycles).
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 16; i++ {
		n = n.Alias
	}
	return n
}

func (p *parser) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" || n.Value == "" {
		p.errf(n, "%s must be a non-empty string", what)
		return "", false
	}
	return n.Value, true
}

func (p *parser) days(n *yaml.Node, what string) (int, bool) {
	d, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || d <= 0 {
		p.errf(n, "%s must be a positive number of days", what)
		return 0, false
	}
	return d, true
}

func (p *parser) strs(n *yaml.Node, what string) ([]string, []*yaml.Node) {
	if n.Kind != yaml.SequenceNode {
		p.errf(n, "%s must be a list", what)
		return nil, nil
	}
	var out []string
	var nodes []*yaml.Node
	for _, c := range n.Content {
		c = deref(c)
		if s, ok := p.str(c, what+" entry"); ok {
			out = append(out, s)
			nodes = append(nodes, c)
		}
	}
	return out, nodes
}

var topKeys = []string{"version", "home", "controller", "categories", "purposes", "consent", "common", "events", "retention", "recipients", "transfers", "tags", "tiers", "subscription", "hierarchies", "campaigns", "labels", "on_expiry"}

// manifest checks the document in two passes: declarations (categories, purposes,
// transfers) first, then everything that refers to them.
func (p *parser) manifest(root *yaml.Node) *Manifest {
	m := &Manifest{Name: p.name, Home: "CN", Taxonomy: taxonomy.Default(), PurposeRetention: map[string]int{},
		CategoryRetention: map[string]int{}, Consent: map[string][]string{}, Common: map[string]Field{},
		Events: map[string]Event{}, Transfers: map[string]Transfer{}}
	sections := map[string]*yaml.Node{}
	for _, kv := range p.mapping(root, "manifest", topKeys) {
		sections[kv.k.Value] = kv.v
	}
	if n := sections["version"]; n != nil {
		if v, err := strconv.Atoi(n.Value); err != nil || v <= 0 || n.Kind != yaml.ScalarNode {
			p.errf(n, "version must be a positive integer")
		} else {
			m.Seq = v
		}
	} else {
		p.errf(root, "missing version")
	}
	if n := sections["home"]; n != nil {
		if s, ok := p.str(n, "home"); ok {
			m.Home = strings.ToUpper(s)
		}
	}
	if n := sections["controller"]; n != nil {
		for _, f := range p.mapping(n, "controller", []string{"name", "address", "contact", "pipo", "dpo"}) {
			v, _ := p.str(f.v, f.k.Value)
			switch f.k.Value {
			case "name":
				m.Controller.Name = v
			case "address":
				m.Controller.Address = v
			case "contact":
				m.Controller.Contact = v
			case "pipo":
				m.Controller.PIPO = v
			case "dpo":
				m.Controller.DPO = v
			}
		}
	}
	if n := sections["categories"]; n != nil {
		p.categories(m, n)
	}
	if n := sections["purposes"]; n != nil {
		p.purposes(m, n)
	}
	for _, pu := range m.Taxonomy.Purposes() {
		if _, ok := m.PurposeRetention[pu.Key]; !ok {
			m.PurposeRetention[pu.Key] = pu.MaxRetentionDays
		}
	}
	if n := sections["transfers"]; n != nil {
		p.transfers(m, n)
	}
	if n := sections["consent"]; n != nil {
		for _, kv := range p.mapping(n, "consent", nil) {
			ps, nodes := p.strs(kv.v, "consent "+kv.k.Value)
			for i, k := range ps {
				p.purposeRef(m, nodes[i], k)
			}
			m.Consent[kv.k.Value] = ps
		}
	}
	if n := sections["common"]; n != nil {
		m.Common = p.fields(m, n, "common")
	}
	if n := sections["events"]; n != nil {
		for _, kv := range p.mapping(n, "events", nil) {
			m.Events[kv.k.Value] = Event{Type: kv.k.Value, Fields: p.fields(m, kv.v, "event "+strconv.Quote(kv.k.Value))}
		}
	}
	if n := sections["retention"]; n != nil {
		p.retention(m, n)
	}
	if n := sections["recipients"]; n != nil {
		p.recipients(m, n)
	}
	if n := sections["tags"]; n != nil {
		p.tags(m, n)
	}
	if n := sections["tiers"]; n != nil {
		p.tiers(m, n)
	}
	if n := sections["subscription"]; n != nil {
		p.subscription(m, n)
	}
	if n := sections["hierarchies"]; n != nil {
		p.hierarchies(m, n)
	}
	if n := sections["campaigns"]; n != nil {
		p.campaigns(m, n)
	}
	if n := sections["labels"]; n != nil {
		p.labels(m, n)
	}
	if n := sections["on_expiry"]; n != nil {
		p.onExpiry(m, n)
	}
	return m
}

func (p *parser) categories(m *Manifest, n *yaml.Node) {
	for _, kv := range p.mapping(n, "categories", nil) {
		c := taxonomy.Category{Key: kv.k.Value}
		for _, f := range p.mapping(kv.v, "category "+kv.k.Value, []string{"name", "grade", "identifier"}) {
			switch f.k.Value {
			case "name":
				c.Name, _ = p.str(f.v, "name")
			case "grade":
				c.Grade = taxonomy.Grade(f.v.Value)
				if !c.Grade.Valid() {
					p.errf(f.v, "category %s: unknown grade %q (want sensitive, private, general or anonymous)", c.Key, f.v.Value)
					continue
				}
			case "identifier":
				c.Identifier = f.v.Value == "true"
			}
		}
		if m.Taxonomy.Declared(c.Key) {
			p.errf(kv.k, "category %s is already published; extensions go beneath it", c.Key)
			continue
		}
		if err := m.Taxonomy.AddCategory(c); err != nil {
			p.errf(kv.k, "%v", err)
			continue
		}
		m.extensions = append(m.extensions, c)
	}
}

var purposeKeys = []string{"basis", "legitimate_interest_in", "retention_days", "max_retention_days", "statement", "separate_consent", "marketing", "targeting", "sale_share", "automated_decision"}

func (p *parser) purposes(m *Manifest, n *yaml.Node) {
	for _, kv := range p.mapping(n, "purposes", nil) {
		key := kv.k.Value
		pu, published := m.Taxonomy.Purpose(key)
		if !published {
			pu = taxonomy.Purpose{Key: key}
		}
		retention, retNode := 0, (*yaml.Node)(nil)
		for _, f := range p.mapping(kv.v, "purpose "+key, purposeKeys) {
			switch f.k.Value {
			case "basis":
				pu.Basis = taxonomy.Basis(f.v.Value)
				if !pu.Basis.Valid() {
					p.errf(f.v, "purpose %s: unknown legal basis %q", key, f.v.Value)
				}
			case "legitimate_interest_in":
				pu.LIJurisdictions, _ = p.strs(f.v, "legitimate_interest_in")
			case "retention_days":
				retention, _ = p.days(f.v, "retention_days")
				retNode = f.v
			case "max_retention_days":
				if published {
					p.errf(f.k, "purpose %s: max_retention_days of a published purpose cannot be raised", key)
				} else {
					pu.MaxRetentionDays, _ = p.days(f.v, "max_retention_days")
				}
			case "statement":
				for _, s := range p.mapping(f.v, "statement", []string{"zh", "en"}) {
					if s.k.Value == "zh" {
						pu.StatementZH = strings.TrimSpace(s.v.Value)
					} else {
						pu.StatementEN = strings.TrimSpace(s.v.Value)
					}
				}
			default:
				b, err := strconv.ParseBool(f.v.Value)
				if err != nil || f.v.Kind != yaml.ScalarNode {
					p.errf(f.v, "purpose %s: %s must be true or false", key, f.k.Value)
				}
				if published && !b && publishedFlag(pu, f.k.Value) {
					p.errf(f.v, "purpose %s: %s of a published purpose cannot be switched off", key, f.k.Value)
					continue
				}
				switch f.k.Value {
				case "separate_consent":
					pu.SeparateConsent = b
				case "marketing":
					pu.Marketing = b
				case "targeting":
					pu.Targeting = b
				case "sale_share":
					pu.SaleShare = b
				case "automated_decision":
					pu.AutomatedDecision = b
				}
			}
		}
		if pu.Basis == "" {
			p.errf(kv.k, "purpose %s has no legal basis", key)
		}
		if pu.StatementZH == "" || pu.StatementEN == "" {
			p.errf(kv.k, "purpose %s needs a plain statement in both zh and en", key)
		}
		if pu.Basis == taxonomy.LegitimateInterest && len(pu.LIJurisdictions) == 0 {
			p.errf(kv.k, "purpose %s relies on legitimate interest but names no jurisdiction allowing it (legitimate_interest_in)", key)
		}
		if pu.MaxRetentionDays == 0 {
			pu.MaxRetentionDays = retention
		}
		if retention > 0 {
			if retention > pu.MaxRetentionDays {
				p.errf(retNode, "purpose %s: retention %d days is longer than the purpose allows (%d days)", key, retention, pu.MaxRetentionDays)
			}
			m.PurposeRetention[key] = retention
		}
		if pu.MaxRetentionDays == 0 {
			p.errf(kv.k, "purpose %s needs retention_days", key)
		}
		m.Taxonomy.SetPurpose(pu)
	}
}

func (p *parser) purposeRef(m *Manifest, n *yaml.Node, key string) (taxonomy.Purpose, bool) {
	pu, ok := m.Taxonomy.Purpose(key)
	if !ok {
		p.errf(n, "unknown purpose %q", key)
	}
	return pu, ok
}

func (p *parser) transfers(m *Manifest, n *yaml.Node) {
	for _, kv := range p.mapping(n, "transfers", nil) {
		t := Transfer{Key: kv.k.Value}
		for _, f := range p.mapping(kv.v, "transfer "+t.Key, append([]string{"kind", "countries"}, transferKeys...)) {
			switch f.k.Value {
			default:
				p.transferEvidence(&t, f)
			case "kind":
				t.Kind = f.v.Value
				if !slices.Contains(transferKinds, t.Kind) {
					p.errf(f.v, "transfer %s: unknown kind %q (want one of %s)", t.Key, t.Kind, strings.Join(transferKinds, ", "))
				}
			case "countries":
				t.Countries, _ = p.strs(f.v, "countries")
			}
		}
		if t.Kind == "" {
			p.errf(kv.k, "transfer %s has no kind", t.Key)
		}
		m.Transfers[t.Key] = t
	}
}

// fields checks one event's field map: path → {category, purposes}.
func (p *parser) fields(m *Manifest, n *yaml.Node, what string) map[string]Field {
	out := map[string]Field{}
	for _, kv := range p.mapping(n, what, nil) {
		f := Field{Path: kv.k.Value}
		var purposesNode *yaml.Node
		var purposeNodes []*yaml.Node
		for _, a := range p.mapping(kv.v, what+" field "+f.Path, []string{"category", "purposes", "type"}) {
			switch a.k.Value {
			case "type":
				if t, _ := p.str(a.v, "type"); t == "string" || t == "number" || t == "date" {
					f.Type = t
				} else {
					p.errf(a.v, "%s field %s: type is string, number or date", what, f.Path)
				}
			case "category":
				f.Category, _ = p.str(a.v, "category")
				if f.Category != "" {
					if _, ok := m.Taxonomy.Category(f.Category); !ok {
						p.errf(a.v, "%s field %s: unknown category %q", what, f.Path, f.Category)
						f.Category = ""
					}
				}
			case "purposes":
				purposesNode = a.v
				f.Purposes, purposeNodes = p.strs(a.v, "purposes")
			}
		}
		if f.Category == "" && !p.hasKey(kv.v, "category") {
			p.errf(kv.k, "%s field %s has no category", what, f.Path)
		}
		if purposesNode == nil {
			p.errf(kv.k, "%s field %s has no purposes", what, f.Path)
		}
		cat, _ := m.Taxonomy.Category(f.Category)
		for i, key := range f.Purposes {
			pu, ok := p.purposeRef(m, purposeNodes[i], key)
			if ok && pu.Marketing && cat.Grade == taxonomy.Sensitive {
				p.errf(purposeNodes[i], "%s field %s: marketing purpose %s reads sensitive category %s", what, f.Path, key, f.Category)
			}
		}
		out[f.Path] = f
	}
	return out
}

func (p *parser) hasKey(n *yaml.Node, key string) bool {
	n = deref(n)
	for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return true
		}
	}
	return false
}

// retention checks category retention against every purpose reading the category: data
// kept longer than its longest-lived purpose has no purpose left (PIPL Art. 19).
func (p *parser) retention(m *Manifest, n *yaml.Node) {
	for _, kv := range p.mapping(n, "retention", nil) {
		d, ok := p.days(kv.v, "retention of "+kv.k.Value)
		if !ok {
			continue
		}
		if _, ok := m.Taxonomy.Category(kv.k.Value); !ok {
			p.errf(kv.k, "retention: unknown category %q", kv.k.Value)
			continue
		}
		longest, by := 0, ""
		for _, f := range m.allFields() {
			if !taxonomy.Beneath(f.Category, kv.k.Value) {
				continue
			}
			for _, pk := range f.Purposes {
				if r := m.PurposeRetention[pk]; r > longest {
					longest, by = r, pk
				}
			}
		}
		if longest > 0 && d > longest {
			p.errf(kv.v, "retention of %s (%d days) is longer than any purpose reading it allows (%s: %d days)", kv.k.Value, d, by, longest)
		}
		m.CategoryRetention[kv.k.Value] = d
	}
}

func (m *Manifest) allFields() []Field {
	var out []Field
	for _, f := range m.Common {
		out = append(out, f)
	}
	for _, ev := range m.Events {
		for _, f := range ev.Fields {
			out = append(out, f)
		}
	}
	return out
}

func (p *parser) recipients(m *Manifest, n *yaml.Node) {
	if n.Kind != yaml.SequenceNode {
		p.errf(n, "recipients must be a list")
		return
	}
	for _, rn := range n.Content {
		r := Recipient{}
		var countryNodes []*yaml.Node
		for _, f := range p.mapping(rn, "recipient", []string{"name", "purposes", "countries", "transfer", "contact", "method", "categories"}) {
			switch f.k.Value {
			case "name":
				r.Name, _ = p.str(f.v, "name")
			case "purposes":
				var nodes []*yaml.Node
				r.Purposes, nodes = p.strs(f.v, "purposes")
				for i, k := range r.Purposes {
					p.purposeRef(m, nodes[i], k)
				}
			case "countries":
				r.Countries, countryNodes = p.strs(f.v, "countries")
			case "contact":
				r.Contact, _ = p.str(f.v, "contact")
			case "method":
				r.Method, _ = p.str(f.v, "method")
			case "categories":
				var nodes []*yaml.Node
				r.Categories, nodes = p.strs(f.v, "categories")
				for i, c := range r.Categories {
					if _, ok := m.Taxonomy.Category(c); !ok {
						p.errf(nodes[i], "recipient %s: unknown category %q", r.Name, c)
					}
				}
			case "transfer":
				r.Transfer, _ = p.str(f.v, "transfer")
				if _, ok := m.Transfers[r.Transfer]; r.Transfer != "" && !ok {
					p.errf(f.v, "recipient %s: unknown transfer mechanism %q", r.Name, r.Transfer)
				}
			}
		}
		if r.Name == "" {
			p.errf(rn, "recipient has no name")
		}
		if _, dup := m.Recipient(r.Name); dup && r.Name != "" {
			p.errf(rn, "duplicate recipient %q", r.Name)
		}
		if len(r.Countries) == 0 {
			p.errf(rn, "recipient %s names no country", r.Name)
		}
		for i, c := range r.Countries {
			if m.Abroad(c) && r.Transfer == "" {
				p.errf(countryNodes[i], "recipient %s is abroad (%s) but names no transfer mechanism", r.Name, c)
			}
		}
		m.Recipients = append(m.Recipients, r)
	}
}

// publishedFlag reports a protective flag of a published purpose: a manifest may add
// protections, never remove them (a "marketing: false" override would dodge the sensitive
// data rule).
func publishedFlag(p taxonomy.Purpose, name string) bool {
	switch name {
	case "separate_consent":
		return p.SeparateConsent
	case "marketing":
		return p.Marketing
	case "targeting":
		return p.Targeting
	case "sale_share":
		return p.SaleShare
	case "automated_decision":
		return p.AutomatedDecision
	}
	return false
}
