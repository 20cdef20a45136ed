package pgtest

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"syscall"
)

// runAs is the user PostgreSQL's programs run as: ourselves, or the
// postgres system user when we are root, because initdb and postgres
// refuse to run as root.
type runAs struct {
	cred *syscall.Credential // nil: ourselves
}

// postgresUser is the system user that Debian's package creates.
const postgresUser = "postgres"

func newRunAs() (runAs, error) {
	if os.Geteuid() != 0 {
		return runAs{}, nil
	}
	u, err := user.Lookup(postgresUser)
	if err != nil {
		return runAs{}, fmt.Errorf("pgtest: running as root, and PostgreSQL's programs refuse root, but there is no %q user to run them as: %w", postgresUser, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return runAs{}, fmt.Errorf("pgtest: user %q has a non-numeric uid or gid", postgresUser)
	}
	return runAs{cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}, nil
}

// chown gives path to the user, so that PostgreSQL may write there.
func (r runAs) chown(path string) error {
	if r.cred == nil {
		return nil
	}
	return os.Chown(path, int(r.cred.Uid), int(r.cred.Gid))
}

// command prepares a program to run as the user, with PG* variables
// removed from the environment so that none of the caller's settings
// (PGDATA, PGPORT, ...) reach the throwaway cluster, and HOME and the working directory set
// to home.
func (r runAs) command(home, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = home // the caller's directory may be closed to the postgres user
	cmd.Env = []string{"HOME=" + home, "LC_ALL=C"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "LC_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: r.cred}
	return cmd
}
