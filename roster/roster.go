// Package roster reads the user import files of SPEC §6 (issue 14) and
// decides, with pure functions, what each line does: the CSV that HR sends
// every month, as Excel writes it (UTF-8 with or without a byte-order
// mark, comma or semicolon separated). Parse reads and checks a file on
// its own; Plan compares its lines with the stored users and groups the
// store gathered. Neither reads a database or a clock.
package roster

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"skillpath"
)

// MaxBytes bounds an import file: 16 MiB holds well over 100,000 lines of
// a staff list; a larger file is refused whole with a message saying so.
const MaxBytes = 16 << 20

// Problem is one thing wrong with a line of a file: the line (1 is the
// header), the column's header ("email", "field.region"; "" for the line as
// a whole) and its 1-based position (0 when unknown), and what is wrong.
type Problem struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

func (p Problem) Error() string {
	if p.Field == "" {
		return fmt.Sprintf("line %d: %s", p.Line, p.Message)
	}
	return fmt.Sprintf("line %d, %s: %s", p.Line, p.Field, p.Message)
}

// Line is one data line of a file, as read: a cell's value is kept as
// text exactly as written (a formula-like cell such as =HYPERLINK(…) is a
// name like any other, never evaluated), only surrounding spaces trimmed.
type Line struct {
	Number       int // in the file: the header is line 1
	Email        string
	Name         string
	Groups       []string   // names or ids, when the file has a groups column
	RegisteredAt *time.Time // nil when the cell is empty or the column absent
	Fields       map[string]string
	Problems     []Problem
}

// File is a parsed import file: its columns and lines, and the problems of
// the file as a whole (the header, the encoding, a quote left open).
type File struct {
	Separator rune
	Columns   []string // lower-cased headers
	HasGroups bool
	Lines     []Line
	Problems  []Problem
}

// Errors lists every problem of the file, the file's own first, then line
// by line.
func (f *File) Errors() []Problem {
	out := append([]Problem{}, f.Problems...)
	for _, l := range f.Lines {
		out = append(out, l.Problems...)
	}
	return out
}

// Parse reads an import file. Times without a zone (2026-01-31) are
// midnight in zone; a registration date after now is refused. The returned
// error is only a failure to read r; everything wrong with the content is
// a Problem in the File.
func Parse(r io.Reader, now time.Time, zone *time.Location) (*File, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return ParseBytes(data, now, zone), nil
}

// ParseBytes is Parse of a file already read, without copying it: the
// File's texts are its own, data may be reused afterwards.
func ParseBytes(data []byte, now time.Time, zone *time.Location) *File {
	f, _ := parse(data, now, zone)
	return f
}

func parse(data []byte, now time.Time, zone *time.Location) (*File, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	f := &File{Separator: separator(data)}
	if len(bytes.TrimSpace(data)) == 0 {
		f.Problems = append(f.Problems, Problem{Line: 1, Message: "the file is empty: its first line must be the header email,name"})
		return f, nil
	}
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:firstInvalid(data)], []byte("\n"))
		f.Problems = append(f.Problems, Problem{Line: line,
			Message: "the file is not UTF-8 text: in Excel, save it as \"CSV UTF-8 (Comma delimited)\""})
		return f, nil
	}
	cr := csv.NewReader(bufio.NewReader(bytes.NewReader(data)))
	cr.Comma = f.Separator
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		f.Problems = append(f.Problems, csvProblem(err))
		return f, nil
	}
	cols, ok := f.readHeader(header)
	if !ok {
		return f, nil
	}
	// One Line a line of text: sized once rather than grown by doubling,
	// which kept up to three times the lines' memory during an import.
	lines := bytes.Count(data, []byte("\n"))
	f.Lines = make([]Line, 0, lines)
	seen := make(map[string]int, lines)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		lineNo, _ := cr.FieldPos(0)
		if err != nil {
			f.Lines = append(f.Lines, Line{Number: lineNo, Problems: []Problem{csvProblem(err)}})
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrQuote) && pe.Line != pe.StartLine {
				break // a quote left open swallowed the rest of the file
			}
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line, as spreadsheets leave at the end
		}
		l := Line{Number: lineNo}
		if len(rec) != len(f.Columns) {
			l.Problems = append(l.Problems, Problem{Line: lineNo,
				Message: fmt.Sprintf("has %d columns, the header has %d", len(rec), len(f.Columns))})
			f.Lines = append(f.Lines, l)
			continue
		}
		for i, c := range cols {
			c.read(&l, i, strings.TrimSpace(rec[i]), now, zone)
		}
		if l.Email != "" {
			key := skillpath.NormalizeEmail(l.Email)
			if first, dup := seen[key]; dup {
				l.problem(f.column("email"), "email", "%s is also on line %d: one line per person", l.Email, first)
			} else {
				seen[key] = lineNo
			}
		}
		f.Lines = append(f.Lines, l)
	}
	return f, nil
}

// column is a reader of one column's cells into a Line.
type column struct {
	name string
	read func(l *Line, i int, v string, now time.Time, zone *time.Location)
}

// readHeader checks the header line and returns its columns' readers.
func (f *File) readHeader(header []string) ([]column, bool) {
	var cols []column
	ok := true
	fail := func(i int, name, format string, a ...any) {
		f.Problems = append(f.Problems, Problem{Line: 1, Field: name, Column: i + 1, Message: fmt.Sprintf(format, a...)})
		ok = false
	}
	seen := map[string]bool{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		f.Columns = append(f.Columns, name)
		if seen[name] {
			fail(i, name, "the column %q is there twice", h)
			continue
		}
		seen[name] = true
		switch {
		case name == "email":
			cols = append(cols, column{name, readEmail})
		case name == "name":
			cols = append(cols, column{name, readName})
		case name == "groups":
			f.HasGroups = true
			cols = append(cols, column{name, readGroups})
		case name == "registered_at":
			cols = append(cols, column{name, readRegistered})
		case strings.HasPrefix(name, "field."):
			key := strings.TrimSpace(h)[len("field."):]
			if !skillpath.ValidFieldKey(key) {
				fail(i, h, "a custom field's key is 1 to 64 letters, digits, '_' or '-'")
				continue
			}
			cols = append(cols, column{"field." + key, readField(key)})
			f.Columns[i] = "field." + key
		case name == "":
			fail(i, "", "column %d has no header", i+1)
		default:
			fail(i, h, "unknown column %q: the columns are email, name, groups, registered_at and field.KEY", h)
		}
	}
	for _, need := range []string{"email", "name"} {
		if !seen[need] {
			fail(-1, need, "the header has no %s column: the first line must name the columns, such as email,name,groups", need)
		}
	}
	return cols, ok
}

// column returns the 1-based position of a column, 0 if absent.
func (f *File) column(name string) int {
	for i, c := range f.Columns {
		if c == name {
			return i + 1
		}
	}
	return 0
}

func (l *Line) problem(col int, field, format string, a ...any) {
	l.Problems = append(l.Problems, Problem{Line: l.Number, Field: field, Column: col, Message: fmt.Sprintf(format, a...)})
}

// fromError adds a problem from a domain validation error, which names the
// field itself.
func (l *Line) fromError(col int, field string, err error) {
	msg := skillpath.ErrorMessage(err)
	msg = strings.TrimPrefix(msg, field+": ")
	l.problem(col, field, "%s", msg)
}

func readEmail(l *Line, i int, v string, _ time.Time, _ *time.Location) {
	l.Email = v
	if err := skillpath.ValidateEmail("email", v); err != nil {
		l.fromError(i+1, "email", err)
	}
}

func readName(l *Line, i int, v string, _ time.Time, _ *time.Location) {
	l.Name = v
	if err := skillpath.ValidateName("name", v); err != nil {
		l.fromError(i+1, "name", err)
	}
}

func readGroups(l *Line, i int, v string, _ time.Time, _ *time.Location) {
	l.Groups = []string{}
	for g := range strings.SplitSeq(v, ";") {
		if g = strings.TrimSpace(g); g != "" {
			l.Groups = append(l.Groups, g)
		}
	}
	if len(l.Groups) > skillpath.MaxListLength {
		l.problem(i+1, "groups", "at most %d groups", skillpath.MaxListLength)
	}
}

func readRegistered(l *Line, i int, v string, now time.Time, zone *time.Location) {
	if v == "" {
		return
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		if t, err = time.ParseInLocation(time.DateOnly, v, zone); err != nil {
			l.problem(i+1, "registered_at", "%q is not a date (2026-01-31) or an RFC 3339 time (2026-01-31T09:00:00Z)", v)
			return
		}
	}
	t = t.UTC()
	if err := skillpath.ValidateTime("registered_at", t); err != nil {
		l.fromError(i+1, "registered_at", err)
		return
	}
	if t.After(now) {
		l.problem(i+1, "registered_at", "%s is in the future", v)
		return
	}
	l.RegisteredAt = &t
}

func readField(key string) func(l *Line, i int, v string, _ time.Time, _ *time.Location) {
	return func(l *Line, i int, v string, _ time.Time, _ *time.Location) {
		if l.Fields == nil {
			l.Fields = map[string]string{}
		}
		l.Fields[key] = v
		if err := skillpath.ValidateCustomFields("field", map[string]string{key: v}); err != nil {
			l.fromError(i+1, "field."+key, err)
		}
	}
}

// csvProblem explains a CSV syntax error at its line and column.
func csvProblem(err error) Problem {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return Problem{Line: 1, Message: err.Error()}
	}
	// A syntax error's column is a character of the line, not a cell.
	p := Problem{Line: pe.StartLine}
	switch {
	case errors.Is(pe.Err, csv.ErrQuote):
		p.Message = fmt.Sprintf("a quote opened on this line is never closed (read up to line %d, character %d): double a quote inside a quoted cell (\"\")", pe.Line, pe.Column)
	case errors.Is(pe.Err, csv.ErrBareQuote):
		p.Message = fmt.Sprintf("a quote (\") inside an unquoted cell at character %d: quote the whole cell and double the quote", pe.Column)
	default:
		p.Message = fmt.Sprintf("%s at character %d", pe.Err, pe.Column)
	}
	return p
}

// separator guesses the file's separator from its first line: Excel writes
// semicolons where the decimal separator is a comma.
func separator(data []byte) rune {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		return ';'
	}
	return ','
}

func firstInvalid(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(data)
}
