package datasets

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// BreastCancer is the Wisconsin diagnostic breast cancer data set (569 rows, 30 real
// features, label 1 = benign, 0 = malignant) in scikit-learn's CSV layout: a header
// "rows,features,class names…", then one row of features and the label per line.
type BreastCancer struct {
	X [][]float64
	Y []int
}

// LoadBreastCancer reads breast_cancer.csv from the shared data directory.
func LoadBreastCancer() (BreastCancer, error) {
	p, err := Path("breast_cancer.csv")
	if err != nil {
		return BreastCancer{}, err
	}
	f, err := os.Open(p)
	if err != nil {
		return BreastCancer{}, err
	}
	defer f.Close()
	return ParseBreastCancer(f)
}

// ParseBreastCancer parses the CSV layout: the header's row and feature counts are
// checked against the rows, every value must be a finite number, every label 0 or 1.
func ParseBreastCancer(r io.Reader) (BreastCancer, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	if !sc.Scan() {
		return BreastCancer{}, fmt.Errorf("breast cancer: no header")
	}
	h := strings.Split(sc.Text(), ",")
	if len(h) < 2 {
		return BreastCancer{}, fmt.Errorf("breast cancer: header needs rows and features")
	}
	rows, err1 := strconv.Atoi(h[0])
	feats, err2 := strconv.Atoi(h[1])
	if err1 != nil || err2 != nil || rows < 1 || rows > 1<<20 || feats < 1 || feats > 1024 {
		return BreastCancer{}, fmt.Errorf("breast cancer: header counts")
	}
	var d BreastCancer
	for line := 2; sc.Scan(); line++ {
		f := strings.Split(sc.Text(), ",")
		if len(f) != feats+1 {
			return BreastCancer{}, fmt.Errorf("breast cancer: line %d: %d fields, want %d", line, len(f), feats+1)
		}
		x := make([]float64, feats)
		for i := range x {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return BreastCancer{}, fmt.Errorf("breast cancer: line %d: field %d is not a finite number", line, i+1)
			}
			x[i] = v
		}
		y, err := strconv.Atoi(f[feats])
		if err != nil || (y != 0 && y != 1) {
			return BreastCancer{}, fmt.Errorf("breast cancer: line %d: label must be 0 or 1", line)
		}
		if len(d.X) == rows {
			return BreastCancer{}, fmt.Errorf("breast cancer: more rows than the header's %d", rows)
		}
		d.X, d.Y = append(d.X, x), append(d.Y, y)
	}
	if err := sc.Err(); err != nil {
		return BreastCancer{}, fmt.Errorf("breast cancer: %w", err)
	}
	if len(d.X) != rows {
		return BreastCancer{}, fmt.Errorf("breast cancer: %d rows, header says %d", len(d.X), rows)
	}
	return d, nil
}
