package demo

import (
	"errors"
	"fmt"
	"time"
)

// Limits a Segment client keeps to (analytics-go: 32,000 B per message,
// 500,000 B per batch); the ingestion answers 400 past them.
const (
	MaxMessageBytes = 32_000
	MaxBatchBytes   = 500_000
)

// Defaults applied to zero Config fields.
const (
	DefaultSubjects  = 5000
	DefaultMonths    = 3
	DefaultBatchSize = 100
)

// Upper bounds that keep a mistaken Config from running for minutes.
const (
	maxSubjects  = 1_000_000
	maxMonths    = 36
	maxBatchSize = 10_000
)

// ErrInvalidConfig is wrapped by every Config validation error.
var ErrInvalidConfig = errors.New("invalid demo config")

// ErrMessageTooLarge reports a rendered message over MaxMessageBytes; the
// catalog and funnel are sized so that this never happens.
var ErrMessageTooLarge = errors.New("message over size limit")

// Config says which shop to generate. The output is a pure function of it:
// the same Config gives byte-identical batches.
type Config struct {
	Seed      uint64
	Subjects  int       // default DefaultSubjects
	Now       time.Time // required: the window ends here; also every batch's sentAt
	Months    int       // window length, default DefaultMonths
	BatchSize int       // messages per batch, default DefaultBatchSize
}

// config is a validated Config with the window precomputed in unix ms.
type config struct {
	Config
	start, end int64 // window [start, end) in unix milliseconds
}

func (cfg Config) normalise(op string) (config, error) {
	if cfg.Subjects == 0 {
		cfg.Subjects = DefaultSubjects
	}
	if cfg.Months == 0 {
		cfg.Months = DefaultMonths
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	switch {
	case cfg.Now.IsZero():
		return config{}, fmt.Errorf("%s: %w: Now must be set", op, ErrInvalidConfig)
	case cfg.Subjects < 0 || cfg.Subjects > maxSubjects:
		return config{}, fmt.Errorf("%s: %w: Subjects must be in 1..%d", op, ErrInvalidConfig, maxSubjects)
	case cfg.Months < 0 || cfg.Months > maxMonths:
		return config{}, fmt.Errorf("%s: %w: Months must be in 1..%d", op, ErrInvalidConfig, maxMonths)
	case cfg.BatchSize < 0 || cfg.BatchSize > maxBatchSize:
		return config{}, fmt.Errorf("%s: %w: BatchSize must be in 1..%d", op, ErrInvalidConfig, maxBatchSize)
	}
	// Millisecond precision is what goes on the wire; truncating here keeps
	// every derived time exactly representable.
	cfg.Now = cfg.Now.UTC().Truncate(time.Millisecond)
	return config{
		Config: cfg,
		start:  cfg.Now.AddDate(0, -cfg.Months, 0).UnixMilli(),
		end:    cfg.Now.UnixMilli(),
	}, nil
}
