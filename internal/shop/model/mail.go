package model

import "fmt"

// RequestMail builds the mail.requested event that e causes: the mail's id
// is the event's id, derived from e's id and the mail's kind, so a handler
// re-run requests the same mail, and CauseEventID is e's id.
func (e Event) RequestMail(m Mail) (Event, error) {
	if m.Kind == "" || m.To == "" {
		return Event{}, fmt.Errorf("mail for %s %s: kind and recipient are required", e.Type, e.ID)
	}
	probe, err := e.FollowUp(MailRequested, "", m.Kind, struct{}{})
	if err != nil {
		return Event{}, err
	}
	m.ID, m.CauseEventID = probe.ID, e.ID
	return e.FollowUp(MailRequested, m.ID, m.Kind, m)
}
