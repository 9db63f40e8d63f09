package store

import "errors"

var (
	// ErrNotFound reports that the addressed record does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict reports that a record with the same unique key already exists.
	ErrConflict = errors.New("conflict")
	// ErrClosed reports use of a store after Close.
	ErrClosed = errors.New("store closed")
)
