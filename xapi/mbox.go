package xapi

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Mbox returns the mailto IRI that identifies a learner in statements
// (SPEC §4, RFC 6068 §2): "mailto:" + the email, its local part kept as
// typed (local parts are case-sensitive) and percent-encoded, its domain
// lowercased, an internationalised domain written as its A-labels
// (punycode, UTS #46 lookup). One email gives one mbox whatever the case of
// its domain, so an LRS queried with the lowercase address finds every
// statement of the person.
//
// The local part keeps only letters, digits and . _ + - ' as they are and
// percent-encodes every other byte (of the UTF-8 text): RFC 6068 requires
// it for %, /, ?, #, [, ], &, ;, = and whatever a URI cannot hold (spaces,
// quotes, non-ASCII), and encoding the rest of RFC 5322's atext too
// (!, $, *, ~, {…) keeps the IRI within what strict LRS validators accept
// while meaning the same address.
func Mbox(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return "mailto:" + percentEncode(email, localSafe)
	}
	return "mailto:" + percentEncode(email[:at], localSafe) + "@" + domain(email[at+1:])
}

// domain returns an email's domain for a mailto IRI: lowercased and in
// A-labels. A domain that IDNA refuses (an underscore, a domain literal
// such as [192.0.2.1]) is lowercased and percent-encoded instead, the other
// form RFC 6068 §2 allows.
func domain(d string) string {
	if a, err := idna.Lookup.ToASCII(d); err == nil && a != "" {
		return a
	}
	return percentEncode(strings.ToLower(d), domainSafe)
}

// localSafe and domainSafe tell which ASCII bytes stay as they are.
func localSafe(c byte) bool {
	return isAlnum(c) || strings.IndexByte(".-_+'", c) >= 0
}

func domainSafe(c byte) bool { return isAlnum(c) || c == '.' || c == '-' }

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// percentEncode writes every byte that safe refuses as %XX (upper-case hex,
// RFC 3986 §2.1); text that is not valid UTF-8 is encoded byte by byte too.
func percentEncode(s string, safe func(byte) bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < utf8.RuneSelf && safe(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
