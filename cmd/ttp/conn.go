package main

import (
	"flag"
	"os"

	"google.golang.org/grpc"

	"github.com/ttpnl/ttp/client"
)

// connFlags are the connection flags every server command takes.
type connFlags struct {
	settings client.Settings
	envFile  string
}

func (c *connFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.settings.Server, "server", "", "server address host:port (or "+client.EnvServer+")")
	fs.StringVar(&c.settings.CA, "ca", "", "CA certificate file (or "+client.EnvCA+")")
	fs.StringVar(&c.settings.Cert, "cert", "", "client certificate file (or "+client.EnvCert+")")
	fs.StringVar(&c.settings.Key, "key", "", "client key file (or "+client.EnvKey+")")
	fs.StringVar(&c.envFile, "env", "", "file of TTP_* settings (or "+client.EnvFile+")")
}

// dial resolves the settings and connects. Flags come first, and -env is a
// flag: the file it names beats TTP_* variables left in the environment, or
// "-env operator.env" would silently act as whoever the variables name.
// Then come the variables, then the file named by TTP_ENV.
func (c *connFlags) dial() (*grpc.ClientConn, error) {
	s, err := c.resolve()
	if err != nil {
		return nil, err
	}
	return client.Dial(s)
}

// certFile is the client certificate the settings name, or "".
func (c *connFlags) certFile() string {
	s, _ := c.resolve()
	return s.Cert
}

// resolve is the settings dial uses, in that order.
func (c *connFlags) resolve() (client.Settings, error) {
	s := c.settings
	if c.envFile != "" {
		if err := s.FromEnvFile(c.envFile); err != nil {
			return s, err
		}
	}
	s.FromVars(os.Getenv)
	if env := os.Getenv(client.EnvFile); c.envFile == "" && env != "" {
		if err := s.FromEnvFile(env); err != nil {
			return s, err
		}
	}
	return s, nil
}
