package report

import (
	"encoding/csv"
	"io"
	"strings"
	"time"
)

// Writer writes one statistics table as CSV (SPEC §3): a header row, the
// columns in SPEC's order, UTF-8, RFC 4180 quoting and CRLF line ends, and
// every cell that a spreadsheet would read as a formula neutralised. Rows
// go out as they are written — through a small buffer, never a whole table
// in memory — so a download of any size streams.
type Writer[R Row] struct {
	csv  *csv.Writer
	zone *time.Location
}

// NewWriter writes the header of R's table to w and returns the writer of
// its rows, whose dates are calendar days in zone.
func NewWriter[R Row](w io.Writer, zone *time.Location) (*Writer[R], error) {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	var header R
	if err := cw.Write(header.Header()); err != nil {
		return nil, err
	}
	return &Writer[R]{csv: cw, zone: zone}, nil
}

// Write writes one row. A line break inside a cell is written as CRLF
// like the line ends, so a lone carriage return becomes one too:
// encoding/csv would otherwise drop it, and the cell read back would differ
// from the one written.
func (w *Writer[R]) Write(r R) error {
	cells := r.Cells(w.zone)
	for i, c := range cells {
		cells[i] = lineBreaks.Replace(Neutralise(c))
	}
	return w.csv.Write(cells)
}

// lineBreaks turns CRLF and lone CR into LF, which the CSV writer then
// writes as CRLF.
var lineBreaks = strings.NewReplacer("\r\n", "\n", "\r", "\n")

// Flush writes what is buffered and reports any error of the whole download.
func (w *Writer[R]) Flush() error {
	w.csv.Flush()
	return w.csv.Error()
}

// Neutralise guards a cell against spreadsheet formula injection (OWASP
// "CSV injection"): a cell beginning with =, +, -, @, tab or carriage
// return is prefixed with a single quote, which spreadsheets show as text.
func Neutralise(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}
