package anonymise_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/stewardhq/steward/internal/anonymise"
)

func Example() {
	data := "age;sex;diagnosis\n34;M;flu\n36;M;cold\n35;F;flu\n31;F;cold\n47;F;asthma\n41;F;cold\n44;M;flu\n48;M;cold\n"
	table, _ := anonymise.ReadCSV(strings.NewReader(data), ';')
	ages, _ := anonymise.IntervalHierarchy(table.Distinct(0), []float64{5, 10})
	cfg := anonymise.Config{
		QuasiIdentifiers: []string{"age", "sex"},
		Hierarchies:      map[string]*anonymise.Hierarchy{"age": ages}, // sex: kept or "*"
		K:                2,
		Sensitive:        "diagnosis",
		LDiversity:       &anonymise.LDiversity{L: 2, Variant: anonymise.DistinctL},
		Metric:           anonymise.Loss,
	}
	e, _ := anonymise.New(table, cfg)
	res, err := e.Search(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("levels %v, loss %s, %d suppressed, %d of %d nodes checked\n",
		res.Levels, anonymise.FormatLoss(res.Metric, res.Loss), res.Suppressed, res.NodesChecked, res.Nodes)
	res.WriteCSV(os.Stdout, 0)
	rep, _ := res.Risk()
	fmt.Printf("highest prosecutor risk %.2f (before %.2f)\n", rep.After.ProsecutorHighest, rep.Before.ProsecutorHighest)
	// Output:
	// levels [2 0], loss 0.2143, 0 suppressed, 5 of 8 nodes checked
	// age;sex;diagnosis
	// 30-39;M;flu
	// 30-39;M;cold
	// 30-39;F;flu
	// 30-39;F;cold
	// 40-49;F;asthma
	// 40-49;F;cold
	// 40-49;M;flu
	// 40-49;M;cold
	// highest prosecutor risk 0.50 (before 1.00)
}
