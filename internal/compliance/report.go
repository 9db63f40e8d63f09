package compliance

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"sort"
	"strings"
	"time"
)

//go:embed report.tmpl.html
var reportTemplate string

// summary is the cover page's figures.
type summary struct {
	ConsentGranted, ConsentWithdrawn int64
	OnTimeShare                      string
	RetentionRuns                    int
	RetentionDeleted                 int
	RetentionPruned                  int
	LastRun                          string
	General, Sensitive               int64
	GeneralShare, SensitiveShare     string
	Approved, Drafts, Overdue        int
	Incidents, OpenIncidents, Late   int
	Verified                         string
}

type reportData struct {
	contents
	S        summary
	Purposes []string
}

var funcs = template.FuncMap{
	"day": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02")
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"whenp": func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"join":  strings.Join,
	"short": func(s string) string { return s[:min(12, len(s))] },
	"f1":    func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"pct": func(n, d int64) string {
		if d == 0 {
			return "0%"
		}
		return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(d))
	},
	"detail": func(m map[string]string, k string) string {
		if v, ok := m[k]; ok {
			return v
		}
		return "0"
	},
}

var tmpl = template.Must(template.New("report").Funcs(funcs).Parse(reportTemplate))

func renderReport(c contents) ([]byte, error) {
	d := reportData{contents: c}
	for p, t := range c.Consent.Purposes {
		d.Purposes = append(d.Purposes, p)
		d.S.ConsentGranted += t.Granted
		d.S.ConsentWithdrawn += t.Withdrawn
	}
	sort.Strings(d.Purposes)
	if c.Rights.Closed > 0 {
		d.S.OnTimeShare = fmt.Sprintf("%.1f%%", 100*float64(c.Rights.ClosedOnTime)/float64(c.Rights.Closed))
	} else {
		d.S.OnTimeShare = "—"
	}
	d.S.RetentionRuns = len(c.Retention.Runs)
	d.S.LastRun = "never"
	for _, r := range c.Retention.Runs {
		var n, p int
		fmt.Sscan(r.Detail["events_deleted"], &n)
		fmt.Sscan(r.Detail["events_pruned"], &p)
		d.S.RetentionDeleted += n
		d.S.RetentionPruned += p
		d.S.LastRun = r.At.UTC().Format("2006-01-02 15:04 UTC")
	}
	if len(c.Transfers.Years) > 0 {
		y := c.Transfers.Years[0]
		d.S.General, d.S.Sensitive = y.General, y.Sensitive
		d.S.GeneralShare = fmt.Sprintf("%.2f%%", 100*float64(y.General)/float64(y.Thresholds.ExemptGeneral))
		d.S.SensitiveShare = fmt.Sprintf("%.2f%%", 100*float64(y.Sensitive)/float64(y.Thresholds.ContractSensitive))
	}
	for _, a := range c.Assessments {
		switch {
		case a.Overdue:
			d.S.Overdue++
		case a.Status == "approved":
			d.S.Approved++
		case a.Status == "draft" || a.Status == "reviewed":
			d.S.Drafts++
		}
	}
	for _, i := range c.Incidents {
		d.S.Incidents++
		if i.Status != "closed" {
			d.S.OpenIncidents++
		}
		if i.Overdue {
			d.S.Late++
		}
	}
	if c.Audit.Verified != nil {
		d.S.Verified = fmt.Sprintf("verified: %d leaves, %d checkpoints", c.Audit.Verified.Leaves, c.Audit.Verified.Checkpoints)
	} else {
		d.S.Verified = "FAILED: " + c.Audit.VerifyError
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
