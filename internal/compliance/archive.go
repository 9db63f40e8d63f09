package compliance

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// The archive: a POSIX (ustar) tar of regular files, written canonically — mode 0644, no
// owner names or ids, every time the bundle's own (which the signature states) — so the
// verifier can rebuild it byte for byte from what the signature lists.

const (
	keyFile = "verifier.key"
	sigFile = "SIGNATURE"
	// sigHeader opens the signed note: it names the format, and a checkpoint (whose second
	// line is a tree size) can never read as one.
	sigHeader = "steward compliance bundle v1"
)

type file struct {
	name string
	data []byte
}

// region is where an entry lies in the archive, for naming what a changed byte touched.
type region struct {
	name                          string
	header, data, padding, finish int64 // offsets where each part starts; finish is the end
}

// writeArchive writes the files canonically and returns where each lies.
func writeArchive(w io.Writer, files []file, mtime time.Time) ([]region, error) {
	cw := &countWriter{w: w}
	tw := tar.NewWriter(cw)
	var regions []region
	for _, f := range files {
		r := region{name: f.name, header: cw.n}
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: f.name, Mode: 0o644, Size: int64(len(f.data)), ModTime: mtime, Format: tar.FormatUSTAR}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("archive %s: %w", f.name, err)
		}
		r.data = cw.n // WriteHeader wrote the header block through
		if _, err := tw.Write(f.data); err != nil {
			return nil, fmt.Errorf("archive %s: %w", f.name, err)
		}
		if err := tw.Flush(); err != nil { // writes the entry's padding
			return nil, err
		}
		r.padding = r.data + int64(len(f.data))
		r.finish = cw.n
		regions = append(regions, r)
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	regions = append(regions, region{name: "", header: regions[len(regions)-1].finish, finish: cw.n})
	return regions, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// signedText is the note's text: the header, the bundle's time, then one line per file.
func signedText(files []file, at time.Time) string {
	var b strings.Builder
	b.WriteString(sigHeader + "\n")
	b.WriteString("time " + at.UTC().Format(time.RFC3339) + "\n")
	for _, f := range files {
		h := sha256.Sum256(f.data)
		fmt.Fprintf(&b, "%s %d %s\n", hex.EncodeToString(h[:]), len(f.data), f.name)
	}
	return b.String()
}

// sign signs the list of files (all but SIGNATURE itself).
func sign(files []file, at time.Time, s note.Signer) ([]byte, error) {
	return note.Sign(&note.Note{Text: signedText(files, at)}, s)
}

// describe names the part of the archive an offset falls in.
func describe(regions []region, off int64) string {
	for _, r := range regions {
		if off < r.header || off >= r.finish {
			continue
		}
		switch {
		case r.name == "":
			return "the end-of-archive blocks"
		case off < r.data:
			return "the tar header of " + r.name
		case off < r.padding:
			return "the contents of " + r.name
		default:
			return "the padding after " + r.name
		}
	}
	return "bytes past the end of the archive"
}

// firstDiff returns the first offset where a and b differ (-1 if equal).
func firstDiff(a, b []byte) int64 {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return int64(i)
		}
	}
	if len(a) != len(b) {
		return int64(n)
	}
	return -1
}
