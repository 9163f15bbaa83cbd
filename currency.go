package skillpath

import (
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

// Format shows a price in currency code as pages show it: "49.00 EUR".
func (p Price) Format(code string) string {
	if code == "" {
		code = DefaultCurrency
	}
	return p.String() + " " + code
}
