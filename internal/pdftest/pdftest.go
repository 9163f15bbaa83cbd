// Package pdftest reads PDFs the way a person's tools do, for tests: the
// text with Debian's pdftotext, the pages as images with pdftoppm (both
// from poppler-utils, installed by .ci/run), and a QR code on a page with
// the gozxing decoder.
package pdftest

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Text is the text of the PDF as pdftotext extracts it, with its layout.
func Text(t testing.TB, pdf []byte) string {
	t.Helper()
	return string(run(t, pdf, "pdftotext", "-layout", "-enc", "UTF-8", "IN", "-"))
}

// Info is what pdfinfo tells of the PDF (pages, page size, title…).
func Info(t testing.TB, pdf []byte) string {
	t.Helper()
	return string(run(t, pdf, "pdfinfo", "IN"))
}

// PNG renders the first page at dpi dots per inch.
func PNG(t testing.TB, pdf []byte, dpi int) []byte {
	t.Helper()
	return run(t, pdf, "pdftoppm", "-png", "-singlefile", "-f", "1", "-l", "1", "-r", strconv.Itoa(dpi), "IN")
}

// QR decodes the QR code on the first page, rendered at 150 dots per
// inch, then, if it does not read, at 300 and 200, as scans of the page
// might be; the test fails when it reads at none. At 150 alone a code now
// and then failed to read (a Reed–Solomon error: a module misread where
// the page's modules fall between pixels; once in the eighth session's CI
// runs), which made the tests flaky. The larger renderings, four times
// the pixels, are made only then.
func QR(t testing.TB, pdf []byte) string {
	t.Helper()
	var errs []string
	for _, dpi := range []int{150, 300, 200} {
		img, err := png.Decode(bytes.NewReader(PNG(t, pdf, dpi)))
		if err != nil {
			t.Fatalf("pdftoppm's PNG: %v", err)
		}
		text, err := decodeQR(img)
		if err == nil {
			return text
		}
		errs = append(errs, fmt.Sprintf("at %d dpi: %v", dpi, err))
	}
	t.Fatalf("no QR code reads on the page: %s", strings.Join(errs, "; "))
	return ""
}

func decodeQR(img image.Image) (string, error) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", fmt.Errorf("QR bitmap: %w", err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}

// run runs a poppler tool on the PDF, written to a file the tool reads as
// IN, and returns what it prints (or, with -singlefile, the image file).
func run(t testing.TB, pdf []byte, tool string, args ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Fatalf("%s is required (Debian package poppler-utils; .ci/run installs it): %v", tool, err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	for i, a := range args {
		if a == "IN" {
			args[i] = in
		}
	}
	if tool == "pdftoppm" {
		args = append(args, out)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(tool, args...)
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil || strings.TrimSpace(stderr.String()) != "" {
		t.Fatalf("%s %s: %v; %s", tool, strings.Join(args, " "), err, stderr.String())
	}
	if tool == "pdftoppm" {
		b, err := os.ReadFile(out + ".png")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return stdout
}
