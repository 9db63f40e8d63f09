package dp

import (
	"errors"
	"math"
	"reflect"
	"testing"
	"time"
)

// Any body either is refused with a SpecError or yields a spec that normalises to itself,
// has a finite positive cost, previews without error, and aggregates people without
// panicking.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{
		`{"budget":"b","purpose":"p","measure":"count","epsilon":0.5}`,
		`{"budget":"b","purpose":"p","measure":"count_people","group_by":["trait:city","tag:vip"],"epsilon":1}`,
		`{"budget":"b","purpose":"p","measure":"sum","property":"total","bounds":[0,2000],"group_by":["day"],"epsilon":0.3,"delta":1e-6}`,
		`{"budget":"b","purpose":"p","measure":"mean","property":"price","bounds":[-5,5],"group_by":["event","week","campaign"],"max_partitions":5,"epsilon":2}`,
		`{"budget":"b","purpose":"p","measure":"quantile","property":"price","bounds":[0,500],"ranks":[0.1,0.5,0.99],"noise":"laplace","epsilon":1}`,
		`{"budget":"b","purpose":"p","measure":"histogram","property":"v","bounds":[0,10],"bins":5,"group_by":["event"],"public_keys":{"event":["a","b"]},"epsilon":1}`,
		`{"budget":"b","purpose":"p","measure":"count","group_by":["day"],"from":"2026-01-01T00:00:00Z","to":"2026-02-01T00:00:00Z","epsilon":1}`,
		`{"budget":"b","purpose":"p","measure":"count","epsilon":1e-400}`,
		`{}`, `null`, `{"measure":7}`,
	} {
		f.Add([]byte(s))
	}
	at := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	people := []Person{
		{ID: "a", Traits: map[string]string{"city": "上海"}, Tags: []string{"vip"}, Events: []Event{
			{Name: "a", At: at, Props: map[string]float64{"total": 5, "price": -3, "v": 11}, Campaign: "c"},
			{Name: "b", At: at.Add(48 * time.Hour), Props: map[string]float64{"total": math.NaN()}}}},
		{ID: "b", Events: []Event{{Name: "a", At: at}}},
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSpec(b)
		if err != nil {
			if !errors.Is(err, ErrInvalidSpec) {
				t.Fatalf("error without ErrInvalidSpec: %v", err)
			}
			return
		}
		again, err := s.Normalize()
		if err != nil || !reflect.DeepEqual(again, s) {
			t.Fatalf("normalised spec does not normalise to itself: %+v, %v", again, err)
		}
		p, err := compile(s)
		if err != nil {
			t.Fatal(err)
		}
		c := p.cost
		if !(c.Rho >= 0 && c.Epsilon >= 0 && c.Delta >= 0) || math.IsInf(c.Rho, 0) || math.IsInf(c.Epsilon, 0) || c.Rho+c.Epsilon == 0 {
			t.Fatalf("cost %+v", c)
		}
		if _, err := p.preview(); err != nil {
			t.Fatalf("preview: %v", err)
		}
		a := newAggregator(p, 1)
		for i := range people {
			if err := a.Add(&people[i]); err != nil {
				t.Fatal(err)
			}
		}
	})
}
