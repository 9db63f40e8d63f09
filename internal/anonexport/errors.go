package anonexport

import "errors"

// Sentinels for errors.Is. Messages start with the operation and never carry a value of
// anyone's data: they name columns, purposes and counts.
var (
	// ErrInvalid: a request that names an unknown column, a direct identifier, impossible
	// parameters or a segment its purpose may not read.
	ErrInvalid = errors.New("anonymised export: invalid request")
	// ErrPurpose: the purpose may not release anonymised data (see Exportable).
	ErrPurpose = errors.New("anonymised export: this purpose may not release anonymised data")
	// ErrNoPeople: nobody is left to export once people whose state refuses the purpose
	// are left out.
	ErrNoPeople = errors.New("anonymised export: no one to export")
	// ErrChanged: the release was asked for a preview whose table or request is no longer
	// what the data gives; preview again.
	ErrChanged = errors.New("anonymised export: the data changed since the preview")
)
