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
	for _, c := range []struct {
		p          skillpath.Price
		code, want string
	}{
		{4900, "EUR", "49.00 EUR"}, {50, "", "0.50 EUR"}, {50000, "JPY", "500 JPY"}, {1200000, "KRW", "12000 KRW"},
		{50050, "JPY", "500.50 JPY"}, // an amount entered with decimals keeps them: nothing is rounded away
		{4900, "USD", "49.00 USD"},
	} {
		if got := c.p.Format(c.code); got != c.want {
			t.Errorf("Price(%d).Format(%q) = %q, want %q", c.p, c.code, got, c.want)
		}
	}
}
