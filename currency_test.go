package skillpath_test

import (
	"testing"

	"skillpath"
)

func TestParseCurrency(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"EUR", "EUR", true}, {"usd", "USD", true}, {" GBP ", "GBP", true}, {"CHF", "CHF", true},
		{"", "", false}, {"€", "", false}, {"EURO", "", false}, {"XYZ", "", false}, {"E", "", false},
	} {
		got, err := skillpath.ParseCurrency("currency", c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseCurrency(%q) = %q, %v; want %q ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
	if got := skillpath.Price(4900).Format("EUR"); got != "49.00 EUR" {
		t.Errorf("Format = %q", got)
	}
}
