package anonymise_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/anonymise"
)

// A released CSV never carries a cell a spreadsheet would execute (CSV injection), whether
// it came from a column passed through, a quasi-identifier's own value or the header;
// negative numbers stay numbers.
func TestWriteCSVNeutralisesFormulas(t *testing.T) {
	data := "city,note,=total\n" +
		"=HYPERLINK(1),+1+1,-3.5\n" +
		"=HYPERLINK(1),@SUM(A1),-7\n" +
		"Paris,\tcmd,12\n" +
		"Paris,plain,-1e3\n"
	table, err := anonymise.ReadCSV(strings.NewReader(data), ',')
	if err != nil {
		t.Fatal(err)
	}
	e, err := anonymise.New(table, anonymise.Config{QuasiIdentifiers: []string{"city"}, K: 2})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Search(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := res.WriteCSV(&buf, ','); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"city", "note", "'=total"},
		{"'=HYPERLINK(1)", "'+1+1", "-3.5"},
		{"'=HYPERLINK(1)", "'@SUM(A1)", "-7"},
		{"Paris", "'\tcmd", "12"},
		{"Paris", "plain", "-1e3"},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %q", rows)
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Fatalf("row %d = %q, want %q", i, rows[i], want[i])
		}
	}
}
