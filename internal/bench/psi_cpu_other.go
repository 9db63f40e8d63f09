//go:build !unix

package bench

import "time"

// processCPU is not measured off unix; the benchmark then reports wall time only.
func processCPU() time.Duration { return 0 }
