package main

import (
	"context"
	"fmt"

	"skillpath/demo"
	"skillpath/store"
)

// renewer is a demo learner whose Data Protection certificate is expiring
// soon and who was re-enrolled automatically: a history of two rows.
const renewer = "learner11@demo.skillpath.test"

// certificateShots are the pictures of the certificate statistics: the
// list, the Data Protection certificate's page with its chart (expired,
// expiring and valid certificates) and a re-enrolled learner's history.
func certificateShots(ctx context.Context, st *store.Store) ([]shot, error) {
	list, err := st.ListCertificates(ctx)
	if err != nil {
		return nil, err
	}
	page := ""
	for _, c := range list {
		if c.Title == "Data Protection Essentials" {
			page = "/certificates/" + c.ID.String()
		}
	}
	if page == "" {
		return nil, fmt.Errorf("no demo certificate Data Protection Essentials")
	}
	learner, err := userID(ctx, st, renewer)
	if err != nil {
		return nil, err
	}
	admin, password := demo.AdminEmail, demo.AdminPassword
	return []shot{
		{"certificates.png", admin, password, "/certificates", 1280},
		{"certificate.png", admin, password, page, 1280},
		{"certificate-phone.png", admin, password, page, 360},
		{"history.png", admin, password, page + "/learners/" + learner.String(), 1280},
	}, nil
}
