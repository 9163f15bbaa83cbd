package skillpath

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// LRSSettings is a training's results tracking (SPEC §4, seed 001): the
// customer's LRS endpoint, the login of the Learning Activity Provider, and
// the verbs to send. The password is write-only: only whether one is set
// is ever shown.
type LRSSettings struct {
	Endpoint    string `json:"endpoint"`
	Login       string `json:"login"`
	PasswordSet bool   `json:"password_set"`
	Verbs       []Verb `json:"verbs"`
}

// Limits on results tracking settings.
const (
	MaxEndpointLength    = 2000
	MaxLRSLoginLength    = 200
	MaxLRSPasswordLength = 500
)

// Validate checks the settings and puts the verbs in the order of seed
// 001's table. The endpoint is an absolute http or https URL without
// credentials, query or fragment: statements are posted to
// {endpoint}/statements (an endpoint already ending in /statements is used
// as it is). Returns EINVALID naming the field.
func (s *LRSSettings) Validate() error {
	s.Endpoint = strings.TrimSpace(s.Endpoint)
	u, err := url.Parse(s.Endpoint)
	switch {
	case s.Endpoint == "":
		return Invalid("endpoint", "is required")
	case len(s.Endpoint) > MaxEndpointLength:
		return Invalid("endpoint", "must be at most %d characters", MaxEndpointLength)
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return Invalid("endpoint", "%q is not an http or https URL such as https://lrs.example.com/xapi", s.Endpoint)
	case !ValidURLPort(u):
		return Invalid("endpoint", "the port %q is not a port number (1 to 65535)", u.Port())
	case u.User != nil:
		return Invalid("endpoint", "put the credentials in login and password, not in the URL")
	case u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s.Endpoint, "?") || strings.HasSuffix(s.Endpoint, "#"):
		return Invalid("endpoint", "must have no query or fragment: statements are posted to {endpoint}/statements")
	}
	if utf8.RuneCountInString(s.Login) > MaxLRSLoginLength || strings.ContainsAny(s.Login, ":\r\n\x00") || !utf8.ValidString(s.Login) {
		return Invalid("login", "must be at most %d characters, without ':' (HTTP Basic auth)", MaxLRSLoginLength)
	}
	if s.Verbs == nil {
		return Invalid("verbs", "is required: a list of the verbs to send, among %s ([] sends nothing)", verbList())
	}
	for i, v := range s.Verbs {
		if !slices.Contains(Verbs, v) {
			return Invalid(fieldIndex("verbs", i), "%q is not one of %s", v, verbList())
		}
		if slices.Index(s.Verbs, v) != i {
			return Invalid("verbs", "%q is listed twice", v)
		}
	}
	slices.SortFunc(s.Verbs, func(a, b Verb) int { return slices.Index(Verbs, a) - slices.Index(Verbs, b) })
	return nil
}

// ValidateLRSPassword checks a password given for an LRS.
func ValidateLRSPassword(p string) error {
	if utf8.RuneCountInString(p) > MaxLRSPasswordLength || !utf8.ValidString(p) || strings.ContainsAny(p, "\r\n\x00") {
		return Invalid("password", "must be one line of at most %d characters", MaxLRSPasswordLength)
	}
	return nil
}

// Sends reports whether the settings select the verb; no settings send
// nothing.
func (s *LRSSettings) Sends(v Verb) bool { return s != nil && slices.Contains(s.Verbs, v) }

func verbList() string {
	names := make([]string, len(Verbs))
	for i, v := range Verbs {
		names[i] = string(v)
	}
	return strings.Join(names, ", ")
}

// ValidURLPort reports whether u names no port or a port from 1 to 65535:
// url.Parse takes any digits.
func ValidURLPort(u *url.URL) bool {
	p := u.Port()
	if p == "" {
		return !strings.HasSuffix(u.Host, ":") // "host:" names an empty port
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}
