package server

import (
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"

	"skillpath"
	"skillpath/store"
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
		var a *store.Attachment
		if a, err = s.addAttachment(r, t.ID, name, data, v.User, "file"); err == nil {
			s.flash(w, r, fmt.Sprintf("%q is attached. To show it, paste %s into a content page's text and save the training.", name, attachmentMarkdown(a)))
			return redirect(w, r, "/catalog/trainings/"+t.ID.String()+"#attachments")
		}
	}
	v.Data = nil
	return s.refused(w, r, v, err, fieldAnchor(err, "attachment-"), s.pageTrainingEdit)
}

// attachmentRow is an attachment in the editor's list, with the Markdown
// that shows it.
type attachmentRow struct {
	*store.Attachment
	Markdown string
}

// attachmentMarkdown is the Markdown that shows an attachment in a content
// page: an image, or a link to a PDF.
func attachmentMarkdown(a *store.Attachment) string {
	label := strings.NewReplacer("[", "", "]", "").Replace(a.Name)
	if strings.HasPrefix(a.ContentType, "image/") {
		return "![" + label + "](" + a.URL + ")"
	}
	return "[" + label + "](" + a.URL + ")"
}
