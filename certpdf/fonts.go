package certpdf

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"unicode"
)

// The fonts a certificate is written in, read at run time from Debian's
// font packages (docs/DECISIONS.md, "Certificate documents"): DejaVu Sans
// (fonts-dejavu-core) for Latin, Greek, Cyrillic and most other alphabets,
// and Droid Sans Fallback (fonts-droid-fallback) for Chinese, Japanese and
// Korean. Each PDF embeds the subset of glyphs it uses.
var (
	// FontDirs are searched in order for each font file; SKILLPATH_FONT_DIR,
	// when set, comes first.
	FontDirs = []string{"/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/droid"}

	regularFile = "DejaVuSans.ttf"
	boldFile    = "DejaVuSans-Bold.ttf"
	cjkFile     = "DroidSansFallbackFull.ttf"
)

// Fonts are the TrueType fonts of a document, read once and embedded in
// each PDF.
type Fonts struct {
	regular, bold, cjk []byte
}

// LoadFonts reads the fonts from dir (when not empty) or FontDirs. Returns
// an error naming the Debian packages to install when one is missing.
func LoadFonts(dir string) (*Fonts, error) {
	dirs := FontDirs
	if dir != "" {
		dirs = append([]string{dir}, dirs...)
	}
	var f Fonts
	var missing []error
	for _, font := range []struct {
		file, pkg string
		to        *[]byte
	}{
		{regularFile, "fonts-dejavu-core", &f.regular},
		{boldFile, "fonts-dejavu-core", &f.bold},
		{cjkFile, "fonts-droid-fallback", &f.cjk},
	} {
		b, err := readFirst(dirs, font.file)
		if err != nil {
			missing = append(missing, fmt.Errorf("%s (Debian package %s): %w", font.file, font.pkg, err))
			continue
		}
		*font.to = b
	}
	if err := errors.Join(missing...); err != nil {
		return nil, fmt.Errorf("certificate fonts missing: %w", err)
	}
	return &f, nil
}

func readFirst(dirs []string, file string) ([]byte, error) {
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, file))
		if err == nil {
			return b, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("not found in %v", dirs)
}

// Font families inside a PDF.
const (
	latinFamily = "dejavu"
	cjkFamily   = "droid"
)

// addFonts registers the fonts the certificates need: the CJK font, large,
// only when some text is written in a CJK script.
func (t *typesetter) addFonts(certs []Certificate) {
	t.pdf.AddUTF8FontFromBytes(latinFamily, "", t.fonts.regular)
	t.pdf.AddUTF8FontFromBytes(latinFamily, "B", t.fonts.bold)
	for _, c := range certs {
		for _, s := range []string{c.Platform, c.Learner, c.Title, c.Path} {
			for _, r := range s {
				if isCJK(r) && !t.cjk {
					t.pdf.AddUTF8FontFromBytes(cjkFamily, "", t.fonts.cjk)
					t.cjk = true
				}
			}
		}
	}
}

// run is a stretch of text written in one font.
type run struct {
	text string
	cjk  bool
}

// runs cuts text where it passes between CJK and other scripts.
func (t *typesetter) runs(text string) []run {
	var out []run
	for _, r := range text {
		c := t.cjk && isCJK(r)
		if n := len(out); n > 0 && out[n-1].cjk == c {
			out[n-1].text += string(r)
		} else {
			out = append(out, run{text: string(r), cjk: c})
		}
	}
	return out
}

// setFont selects the font of a run. The CJK font has no bold face; its
// regular face stands in.
func (t *typesetter) setFont(cjk, bold bool, size float64) {
	switch {
	case cjk:
		t.pdf.SetFont(cjkFamily, "", size)
	case bold:
		t.pdf.SetFont(latinFamily, "B", size)
	default:
		t.pdf.SetFont(latinFamily, "", size)
	}
}

// cjkScripts are written with the CJK font.
var cjkScripts = []*unicode.RangeTable{unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Bopomofo}

// isCJK reports whether r is Chinese, Japanese or Korean, including their
// punctuation (U+3000–U+303F) and full-width forms (U+FF00–U+FFEF).
func isCJK(r rune) bool {
	return unicode.In(r, cjkScripts...) || (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef)
}
