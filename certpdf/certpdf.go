// Package certpdf writes certificate documents (SPEC §8) as PDF: one page
// per certificate, A4 or Letter landscape, with the learner's name in any
// script the fonts cover and the verification URL as a QR code. It is the
// one package that uses github.com/go-pdf/fpdf and
// github.com/skip2/go-qrcode.
package certpdf

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/go-pdf/fpdf"
	"github.com/skip2/go-qrcode"
)

// Paper is a page size: A4 (the default) or US Letter, both landscape.
type Paper string

const (
	A4     Paper = "a4"
	Letter Paper = "letter"
)

// ParsePaper reads a paper size as --paper and SKILLPATH_PAPER spell it
// ("a4" or "letter", any case).
func ParsePaper(s string) (Paper, error) {
	switch p := Paper(strings.ToLower(strings.TrimSpace(s))); p {
	case A4, Letter:
		return p, nil
	}
	return "", fmt.Errorf("paper %q: must be a4 or letter", s)
}

// Certificate is what one page shows. Dates are already written in the
// platform's time zone (SPEC §2: YYYY-MM-DD).
type Certificate struct {
	Platform  string // the platform's name
	Learner   string // the learner's name
	Title     string // the certificate's title
	Path      string // the training that delivered it
	ByHand    bool   // certified by an administrator: the page does not say "for passing"
	Delivered string // delivery date
	Expires   string // expiration date; "" when it never expires
	URL       string // {base-url}/verify/{code}
}

// printable is c with every character beyond the Basic Multilingual Plane
// (emoji, rare CJK ideographs: U+10000 and above) replaced by U+FFFD: the
// embedded TrueType fonts map only 16-bit code points, and fpdf fails on
// the others. Names and titles are user input; the PDF must never fail on
// them.
func (c Certificate) printable() Certificate {
	bmp := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r > 0xFFFF {
				return unicode.ReplacementChar
			}
			return r
		}, s)
	}
	c.Platform, c.Learner, c.Title, c.Path = bmp(c.Platform), bmp(c.Learner), bmp(c.Title), bmp(c.Path)
	return c
}

// Document is a PDF of one or more certificates.
type Document struct {
	Paper        Paper
	Created      time.Time // the PDF's creation date (the business clock)
	Certificates []Certificate
}

// Colours of the page, as RGB.
var (
	ink    = [3]int{33, 37, 41}
	muted  = [3]int{90, 98, 106}
	accent = [3]int{30, 80, 140}
)

// Font sizes in points: each line shrinks from its largest size until it
// fits the page, then wraps at its smallest.
type lineStyle struct {
	bold          bool
	max, min      float64
	colour        [3]int
	spacingBefore float64 // mm above the line's baseline
}

var (
	platformStyle = lineStyle{max: 16, min: 10, colour: muted}
	kindStyle     = lineStyle{max: 13, min: 10, colour: accent, spacingBefore: 12}
	titleStyle    = lineStyle{bold: true, max: 32, min: 16, colour: ink, spacingBefore: 18}
	toStyle       = lineStyle{max: 13, min: 10, colour: muted, spacingBefore: 14}
	learnerStyle  = lineStyle{bold: true, max: 36, min: 16, colour: ink, spacingBefore: 17}
	pathStyle     = lineStyle{max: 14, min: 9, colour: ink, spacingBefore: 14}
	dateStyle     = lineStyle{max: 12, min: 12, colour: ink}
	urlStyle      = lineStyle{max: 9, min: 6, colour: muted}
)

// Write writes the document as PDF to w. Returns an error when a font
// cannot be read or the QR code cannot hold the URL.
func Write(w io.Writer, doc Document, fonts *Fonts) error {
	size := "A4"
	if doc.Paper == Letter {
		size = "Letter"
	}
	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "L", UnitStr: "mm", SizeStr: size})
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(0, 0, 0)
	pdf.SetCreationDate(doc.Created)
	pdf.SetModificationDate(doc.Created)
	pdf.SetCreator("skillpath", true)
	pdf.SetProducer("skillpath", true)
	if len(doc.Certificates) > 0 {
		c := doc.Certificates[0].printable()
		pdf.SetTitle(c.Title+" — "+c.Learner, true)
		pdf.SetAuthor(c.Platform, true)
	}
	certs := make([]Certificate, len(doc.Certificates))
	for i, c := range doc.Certificates {
		certs[i] = c.printable()
	}
	t := &typesetter{pdf: pdf, fonts: fonts}
	t.addFonts(certs)
	for _, c := range certs {
		if err := t.page(c); err != nil {
			return err
		}
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("certificate PDF: %w", err)
	}
	return pdf.Output(w)
}

// typesetter lays out the pages of one document.
type typesetter struct {
	pdf   *fpdf.Fpdf
	fonts *Fonts
	cjk   bool // the CJK font is in the document
}

// page lays out one certificate: a frame, the text centred down the page,
// the dates bottom left, the QR code bottom right and the URL below.
func (t *typesetter) page(c Certificate) error {
	pdf := t.pdf
	pdf.AddPage()
	w, h := pdf.GetPageSize()
	pdf.SetDrawColor(accent[0], accent[1], accent[2])
	pdf.SetLineWidth(1.2)
	pdf.Rect(10, 10, w-20, h-20, "D")
	pdf.SetLineWidth(0.3)
	pdf.Rect(13, 13, w-26, h-26, "D")

	const side = 38.0 // the QR code's side, mm, quiet zone included
	textWidth := w - 60
	y := 32.0
	y = t.centred(c.Platform, platformStyle, w, textWidth, y)
	y = t.centred("Certificate", kindStyle, w, textWidth, y)
	y = t.centred(c.Title, titleStyle, w, textWidth, y)
	y = t.centred("awarded to", toStyle, w, textWidth, y)
	y = t.centred(c.Learner, learnerStyle, w, textWidth, y)
	if c.ByHand {
		t.centred("certified by an administrator", pathStyle, w, textWidth, y)
	} else {
		t.centred("for passing "+c.Path, pathStyle, w, textWidth, y)
	}

	bottom := h - 30
	expires := "Does not expire"
	if c.Expires != "" {
		expires = "Expires on " + c.Expires
	}
	t.left("Delivered on "+c.Delivered, dateStyle, 30, bottom-7)
	t.left(expires, dateStyle, 30, bottom)

	if err := t.qr(c.URL, w-30-side, bottom-side+4, side); err != nil {
		return err
	}
	t.centred("Verify this certificate at "+c.URL, urlStyle, w, textWidth, h-19)
	return nil
}

// qr draws the URL's QR code as vector squares (sharp at any zoom or
// print resolution), one rectangle per horizontal run of dark modules,
// and makes it a link to the URL.
func (t *typesetter) qr(url string, x, y, side float64) error {
	q, err := qrcode.New(url, qrcode.Medium)
	if err != nil {
		return fmt.Errorf("QR code of %q: %w", url, err)
	}
	bits := q.Bitmap() // with its quiet zone of four modules
	m := side / float64(len(bits))
	t.pdf.SetFillColor(0, 0, 0)
	for row, line := range bits {
		for col := 0; col < len(line); {
			if !line[col] {
				col++
				continue
			}
			start := col
			for col < len(line) && line[col] {
				col++
			}
			// a hair wider than the module, so no seam shows between rows
			t.pdf.Rect(x+float64(start)*m, y+float64(row)*m, float64(col-start)*m, m+0.02, "F")
		}
	}
	t.pdf.LinkString(x, y, side, side, url)
	return nil
}

// centred writes text centred on the page with its baseline spacingBefore
// below y, shrinking it to fit maxWidth and wrapping it at its smallest
// size; it returns the baseline of its last line.
func (t *typesetter) centred(text string, st lineStyle, pageWidth, maxWidth, y float64) float64 {
	size := st.max
	for size > st.min && t.width(text, st.bold, size) > maxWidth {
		size--
	}
	y += st.spacingBefore
	for i, line := range t.wrap(text, st.bold, size, maxWidth) {
		if i > 0 {
			y += size * 0.45 // points to mm, with leading
		}
		t.draw(line, st, size, (pageWidth-t.width(line, st.bold, size))/2, y)
	}
	return y
}

// left writes one line of text from x with its baseline at y.
func (t *typesetter) left(text string, st lineStyle, x, y float64) {
	t.draw(text, st, st.max, x, y)
}

// wrap splits text into lines no wider than maxWidth, between words, or
// between characters for scripts written without spaces.
func (t *typesetter) wrap(text string, bold bool, size, maxWidth float64) []string {
	if t.width(text, bold, size) <= maxWidth {
		return []string{text}
	}
	var lines []string
	line := ""
	for _, piece := range breakable(text) {
		next := line + piece
		if line != "" && t.width(strings.TrimSpace(next), bold, size) > maxWidth {
			lines = append(lines, strings.TrimSpace(line))
			next = strings.TrimLeft(piece, " ")
		}
		line = next
	}
	return append(lines, strings.TrimSpace(line))
}

// breakable cuts text where a line may break: before each space, and
// around each CJK character.
func breakable(text string) []string {
	var pieces []string
	cur := ""
	for _, r := range text {
		if (r == ' ' || isCJK(r)) && cur != "" {
			pieces, cur = append(pieces, cur), ""
		}
		cur += string(r)
		if isCJK(r) {
			pieces, cur = append(pieces, cur), ""
		}
	}
	if cur != "" {
		pieces = append(pieces, cur)
	}
	return pieces
}

// draw writes text run by run, each in the font that has its glyphs.
func (t *typesetter) draw(text string, st lineStyle, size, x, y float64) {
	t.pdf.SetTextColor(st.colour[0], st.colour[1], st.colour[2])
	for _, r := range t.runs(text) {
		t.setFont(r.cjk, st.bold, size)
		t.pdf.Text(x, y, r.text)
		x += t.pdf.GetStringWidth(r.text)
	}
}

// width is the width of text in mm at size, run by run.
func (t *typesetter) width(text string, bold bool, size float64) float64 {
	total := 0.0
	for _, r := range t.runs(text) {
		t.setFont(r.cjk, bold, size)
		total += t.pdf.GetStringWidth(r.text)
	}
	return total
}
