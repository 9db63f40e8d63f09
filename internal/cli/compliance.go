package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/stewardhq/steward/internal/app"
	"github.com/stewardhq/steward/internal/compliance"
)

// errBundleFailed makes `steward compliance verify` exit 1 after it has printed why.
var errBundleFailed = errors.New("the bundle failed verification")

const complianceUsage = "steward compliance bundle [--data DIR | --db URL] --out FILE | steward compliance verify FILE [--key KEY | --key-file FILE | --data DIR]"

// runCompliance is "steward compliance": make the evidence bundle of a compliance audit
// from a store, or verify one offline (issue 26 item 5).
func runCompliance(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: %s", errUsage, complianceUsage)
	}
	switch args[0] {
	case "bundle":
		return runBundle(ctx, e, args[1:])
	case "verify":
		return runVerifyBundle(e, args[1:])
	}
	return fmt.Errorf("%w: %s", errUsage, complianceUsage)
}

func runBundle(ctx context.Context, e *env, args []string) error {
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	fs := newFlags(e, "compliance bundle", "compliance bundle [--data DIR | --db URL] --out FILE")
	addStoreFlags(fs, &cfg)
	out := fs.String("out", "", "where to write the bundle (a tar archive)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("%w: --out FILE is required", errUsage)
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	// The bundle is signed with the audit key in DIR/keys: Open loads it (and never makes
	// one for a log that has checkpoints).
	a, err := app.Open(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".steward-bundle-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	sum, err := a.Bundles.Build(ctx, tmp)
	if err == nil {
		err = tmp.Close()
	} else {
		tmp.Close()
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return err
	}
	// Making the bundle is itself recorded; sign a checkpoint over that act too, so no
	// act is left unsigned when this process ends.
	if _, err := a.Audit.Sign(ctx); err != nil {
		return err
	}
	pdf := "with report.pdf"
	if !sum.PDF {
		pdf = "without report.pdf (" + sum.PDFError + ")"
	}
	fmt.Fprintf(e.stdout, "bundle: %s, %d bytes, %d files %s\n", *out, sum.Bytes, len(sum.Files), pdf)
	fmt.Fprintf(e.stdout, "audit log: %d leaves, %d signed checkpoints carried with consistency proofs\n", sum.LogSize, sum.Checkpoints)
	fmt.Fprintf(e.stdout, "signed by: %s (the audit key; its public half is DIR/keys/audit.pub)\n", sum.Key)
	fmt.Fprintf(e.stdout, "verify with: steward compliance verify %s --key-file %s\n", *out, filepath.Join(cfg.DataDir, "keys", "audit.pub"))
	return nil
}

func runVerifyBundle(e *env, args []string) error {
	fs := newFlags(e, "compliance verify", "compliance verify FILE [--key KEY | --key-file FILE | --data DIR]")
	key := fs.String("key", "", "the verifier key to pin (name+hash+key, as in DIR/keys/audit.pub)")
	keyFile := fs.String("key-file", "", "a file holding the verifier key to pin (the shop's DIR/keys/audit.pub)")
	dataDir := fs.String("data", "", "pin the key of this data directory (DIR/keys/audit.pub)")
	// The file comes first or last: flag parsing stops at the first non-flag.
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if file == "" {
		return fmt.Errorf("%w: steward compliance verify FILE", errUsage)
	}
	pin := *key
	switch {
	case *keyFile != "":
		b, err := os.ReadFile(*keyFile)
		if err != nil {
			return err
		}
		pin = string(b)
	case *dataDir != "":
		b, err := os.ReadFile(filepath.Join(*dataDir, "keys", "audit.pub"))
		if err != nil {
			return err
		}
		pin = string(b)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	res, err := compliance.Verify(data, pin)
	if err != nil {
		fmt.Fprintf(e.stdout, "FAIL: %v\n", err)
		return errBundleFailed
	}
	pinned := "pinned"
	if !res.Pinned {
		pinned = "NOT pinned: the key was taken from the bundle itself"
		fmt.Fprintln(e.stdout, "note: pass --key-file DIR/keys/audit.pub (or --key) to check the bundle is the shop's, not only unaltered")
	}
	pdf := "no report.pdf"
	if res.PDF {
		pdf = "report.pdf included"
	}
	fmt.Fprintf(e.stdout, "ok: bundle of %s, %d files (%s), signed by %s (%s); %d signed checkpoints up to %d leaves, %d consistency proofs verified\n",
		res.GeneratedAt.UTC().Format("2006-01-02 15:04:05 UTC"), res.Files, pdf, keyName(res.Key), pinned, res.Checkpoints, res.LogSize, res.Proofs)
	return nil
}

// keyName is a verifier key's name and hash, without the key itself.
func keyName(key string) string {
	parts := strings.SplitN(key, "+", 3)
	if len(parts) < 2 {
		return key
	}
	return parts[0] + "+" + parts[1]
}
