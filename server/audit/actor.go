package audit

// Actor is who performed an audited action: the principal from the verified
// client certificate and the organisation it maps to.
type Actor struct {
	Principal    string
	Organisation string
}

// Record starts an audit record of action by a, with outcome "ok".
func (a Actor) Record(action string) Record {
	return Record{Principal: a.Principal, Organisation: a.Organisation, Action: action, Outcome: "ok"}
}
