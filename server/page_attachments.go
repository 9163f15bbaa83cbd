package server

import (
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"

	"skillpath"
)

// pageTrainingAttachment uploads an image or a PDF from the training
// editor (issue 18), through the same checks and store call as POST
// /api/v1/trainings/{id}/attachments, for platform admins and the path's
// authors; the message after it gives the Markdown to paste into a content
// page's text. Registered with uploadPage (multipart/form-data).
func (s *Server) pageTrainingAttachment(w http.ResponseWriter, r *http.Request, v *view) error {
	t, err := s.trainingEditor(r, v)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(r.PostForm.Get("name"))
	var data []byte
	file, header, ferr := r.FormFile("file")
	if ferr != nil {
		err = skillpath.Invalid("file", "Choose an image (PNG, JPEG, GIF, WebP) or a PDF to attach.")
	} else {
		defer file.Close()
		if name == "" {
			name = path.Base(strings.ReplaceAll(header.Filename, `\`, "/"))
		}
		data, err = io.ReadAll(io.LimitReader(file, MaxAttachmentBytes+1))
		if err == nil && len(data) > MaxAttachmentBytes {
			err = skillpath.Invalid("file", "An attachment is at most %d MiB.", MaxAttachmentBytes>>20)
		}
	}
	if err == nil {
		var a *attachmentLink
		if a, err = s.attach(r, t.ID, name, data, v.User); err == nil {
			s.flash(w, r, fmt.Sprintf("%q is attached. To show it, paste %s into a content page's text and save the training.", name, a.Markdown))
			return redirect(w, r, "/catalog/trainings/"+t.ID.String()+"#attachments")
		}
	}
	v.Data = nil
	return s.refused(w, r, v, err, fieldAnchor(err, "attachment-"), s.pageTrainingEdit)
}

// attachmentLink is a stored attachment and the Markdown that shows it:
// an image, or a link to a PDF.
type attachmentLink struct{ Markdown string }

func (s *Server) attach(r *http.Request, training skillpath.ID, name string, data []byte, caller *skillpath.User) (*attachmentLink, error) {
	a, err := s.addAttachment(r, training, name, data, caller, "file")
	if err != nil {
		return nil, err
	}
	label := strings.NewReplacer("[", "", "]", "").Replace(a.Name)
	if strings.HasPrefix(a.ContentType, "image/") {
		return &attachmentLink{Markdown: "![" + label + "](" + a.URL + ")"}, nil
	}
	return &attachmentLink{Markdown: "[" + label + "](" + a.URL + ")"}, nil
}
