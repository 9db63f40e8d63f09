package bench

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// threadCPU runs fn on one locked OS thread and returns its wall and CPU time. CPU time
// is what the other engineers' jobs sharing this machine cannot inflate by taking the
// cores away (they still share the caches).
func threadCPU(fn func()) (wall, cpu time.Duration) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var a, b unix.Timespec
	unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &a)
	start := time.Now()
	fn()
	wall = time.Since(start)
	unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &b)
	return wall, time.Duration(b.Nano() - a.Nano())
}

// processCPU is the CPU time the whole process has used so far (every thread: a server's
// handlers and workers included).
func processCPU() time.Duration {
	var t unix.Timespec
	unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &t)
	return time.Duration(t.Nano())
}
