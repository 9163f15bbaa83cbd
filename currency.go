package skillpath

import (
	"fmt"
	"strings"

	"golang.org/x/text/currency"
)

// DefaultCurrency is the platform's currency when none is configured.
const DefaultCurrency = "EUR"

// ParseCurrency checks an ISO 4217 currency code (issue 18: the currency
// every price is in, serve --currency), given in any case, against the
// codes golang.org/x/text knows, and returns it in capitals. Returns
// EINVALID naming field for anything else ("€", "EURO", "XYZ").
func ParseCurrency(field, code string) (string, error) {
	u, err := currency.ParseISO(strings.TrimSpace(code))
	if err != nil {
		return "", Invalid(field, "%q is not an ISO 4217 currency code such as EUR, USD or GBP", code)
	}
	return u.String(), nil
}

// Format shows a price in currency code as pages show it: "49.00 EUR";
// in a currency without minor units (ISO 4217: JPY, KRW… have none) a
// whole amount has no decimals: "500 JPY".
func (p Price) Format(code string) string {
	if code == "" {
		code = DefaultCurrency
	}
	if u, err := currency.ParseISO(code); err == nil && p%100 == 0 {
		if scale, _ := currency.Standard.Rounding(u); scale == 0 {
			return fmt.Sprintf("%d %s", p/100, code)
		}
	}
	return p.String() + " " + code
}
