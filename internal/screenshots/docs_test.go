package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var image = regexp.MustCompile(`!\[[^\]]*\]\(([^)\s]+)\)`)

// Every picture the documentation shows exists, and every picture this
// command takes is shown in docs/WEB.md.
func TestDocsScreenshots(t *testing.T) {
	root := filepath.Join("..", "..")
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	shown := map[string]bool{}
	for _, doc := range append(docs, filepath.Join(root, "README.md")) {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range image.FindAllStringSubmatch(string(b), -1) {
			file := filepath.Clean(filepath.Join(filepath.Dir(doc), m[1]))
			if _, err := os.Stat(file); err != nil {
				t.Errorf("%s shows %s, which does not exist", doc, m[1])
			}
			if strings.HasSuffix(doc, "WEB.md") {
				shown[filepath.Base(file)] = true
			}
		}
	}
	pictures, err := filepath.Glob(filepath.Join(root, "docs", "screenshots", "*.png"))
	if err != nil || len(pictures) == 0 {
		t.Fatalf("no screenshots (%v)", err)
	}
	for _, p := range pictures {
		if !shown[filepath.Base(p)] {
			t.Errorf("docs/WEB.md does not show %s", filepath.Base(p))
		}
	}
}
