//go:build !linux

package bench

import "time"

// threadCPU runs fn; without a per-thread CPU clock it reports the wall time twice.
func threadCPU(fn func()) (wall, cpu time.Duration) {
	start := time.Now()
	fn()
	wall = time.Since(start)
	return wall, wall
}

// processCPU is unknown without a process CPU clock: zero.
func processCPU() time.Duration { return 0 }
