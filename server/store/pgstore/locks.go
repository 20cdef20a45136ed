package pgstore

// Advisory lock keys: pg_advisory_xact_lock and goose's session lock take a
// 64-bit key, shared by every application that uses the database. Ours
// begin with "ttpd" in ASCII, so as not to meet another's small numbers.
const (
	// indexLockKey serialises registration (PersonIndex.Lock).
	indexLockKey int64 = 0x74747064_00000001
	// auditLockKey holds the end of the audit log (AuditLog.Last).
	auditLockKey int64 = 0x74747064_00000002
	// migrationLockKey lets one process at a time migrate the schema.
	migrationLockKey int64 = 0x74747064_00000003
)
