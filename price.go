package skillpath

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Price is an amount in hundredths (cents). It is read and written in JSON
// as a decimal number (19.99) but never passes through a float, so prices
// stay exact.
type Price int64

// MarshalJSON writes the price as a decimal number with two decimals.
func (p Price) MarshalJSON() ([]byte, error) { return []byte(p.String()), nil }

func (p Price) String() string { return fmt.Sprintf("%d.%02d", p/100, p%100) }

// UnmarshalJSON reads a non-negative decimal number with at most two decimals.
func (p *Price) UnmarshalJSON(b []byte) error {
	s := string(b)
	whole, frac, _ := strings.Cut(s, ".")
	refused := &json.UnmarshalTypeError{Value: s, Type: reflect.TypeFor[Price]()}
	if len(frac) > 2 || whole == "" || strings.HasPrefix(whole, "-") {
		return refused
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err1 := strconv.ParseUint(whole, 10, 40)
	f, err2 := strconv.ParseUint(frac, 10, 8)
	if err1 != nil || err2 != nil {
		return refused
	}
	*p = Price(w*100 + f)
	return nil
}
