package devmode

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ttpnl/ttp/checkpoint"
)

// AuditLogName is the name of a dev server's audit log: its checkpoints'
// origin and its audit key's name.
const AuditLogName = "ttp-dev-audit"

// auditKeyFiles are where dev mode keeps the audit key (the signer, beside
// the KEK but not the KEK) and publishes its verifier key, beside the CA
// that clients trust.
func auditKeyFiles(dataDir string) (signer, verifier string) {
	return filepath.Join(dataDir, "audit.key"), filepath.Join(dataDir, "pki", "audit.pub")
}

// ensureAuditKey makes the audit key unless there is one, and (re)writes
// its verifier key from it. An existing key is kept: committee members may
// hold checkpoints it signed.
func ensureAuditKey(dataDir string) (string, error) {
	signer, verifier := auditKeyFiles(dataDir)
	if _, err := os.Stat(signer); errors.Is(err, fs.ErrNotExist) {
		return signer, checkpoint.WriteKeyFiles(AuditLogName, signer, verifier)
	} else if err != nil {
		return "", err
	}
	k, err := checkpoint.ReadKey(signer)
	if err != nil {
		return "", err
	}
	return signer, os.WriteFile(verifier, []byte(k.Verifier+"\n"), 0o644)
}

// addAuditKey gives the configuration at path, made by a dev mode older
// than the audit key, one. It edits the file as JSON, not as a Config,
// which would not load without the key.
func addAuditKey(dataDir, path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if _, ok := fields["audit_key_file"]; ok {
		return nil
	}
	signer, err := ensureAuditKey(dataDir)
	if err != nil {
		return err
	}
	if fields["audit_key_file"], err = json.Marshal(signer); err != nil {
		return err
	}
	out, err := json.MarshalIndent(fields, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(out, '\n'), 0o600); err != nil {
		return err
	}
	// The clients' settings files name the verifier key from now on.
	_, verifier := auditKeyFiles(dataDir)
	for _, p := range Principals() {
		if err := appendIfExists(clientFilesOf(dataDir, p.Name).env, "TTP_AUDIT_KEY="+verifier+"\n"); err != nil {
			return err
		}
	}
	return nil
}

func appendIfExists(path, line string) error {
	err := appendFile(path, []byte(line))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
