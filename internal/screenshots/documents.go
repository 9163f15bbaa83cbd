package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"skillpath/store"
)

// documentShots photograph SPEC §8: the PDF of the renewer's certificate,
// fetched from the API as the learner and rendered by pdftoppm (Debian's
// poppler-utils), and the public verification page of its QR code's URL,
// on a desk and on the phone that scanned the code.
func documentShots(ctx context.Context, st *store.Store, base, out string) ([]shot, error) {
	learner, err := userID(ctx, st, renewer)
	if err != nil {
		return nil, err
	}
	list, err := st.UserEnrollments(ctx, learner)
	if err != nil {
		return nil, err
	}
	var code, enrollment string
	for _, e := range list {
		if !e.Certified {
			continue
		}
		docs, err := st.CertificateDocuments(ctx, e.ID)
		if err != nil {
			return nil, err
		}
		code, enrollment = docs[0].Code, e.ID.String()
		break
	}
	if code == "" {
		return nil, fmt.Errorf("demo learner %s has no certificate", renewer)
	}
	token, err := st.CreateToken(ctx, learner, learner)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/enrollments/"+enrollment+"/certificate.pdf", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	pdf, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("certificate PDF: status %d, %v: %s", resp.StatusCode, err, pdf)
	}
	dir, err := os.MkdirTemp("", "skillpath-pdf-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "certificate.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		return nil, err
	}
	target := filepath.Join(out, "certificate-pdf")
	if msg, err := exec.Command("pdftoppm", "-png", "-singlefile", "-r", "80", in, target).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pdftoppm (Debian package poppler-utils): %v: %s", err, strings.TrimSpace(string(msg)))
	}
	fmt.Println("wrote", target+".png")
	return []shot{
		{"verify.png", "", "", "/verify/" + code, 1280},
		{"verify-phone.png", "", "", "/verify/" + code, 360},
	}, nil
}
