package store

import (
	"strconv"
	"strings"
)

// sqlArgs numbers the arguments of a query built in pieces.
type sqlArgs []any

// add appends an argument and returns its placeholder.
func (a *sqlArgs) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// list appends the values and returns their placeholders, comma-separated.
func list[T any](a *sqlArgs, values []T) string {
	p := make([]string, len(values))
	for i, v := range values {
		p[i] = a.add(v)
	}
	return strings.Join(p, ", ")
}

// inList returns "$first, $first+1, …" for values and the values as query
// arguments, for a query whose other arguments come before them.
func inList[T any](values []T, first int) (string, []any) {
	a := make(sqlArgs, first-1)
	in := list(&a, values)
	return in, a[first-1:]
}
