package config_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/config"
)

const valid = `{
  "listen": "127.0.0.1:7443",
  "metrics_listen": "127.0.0.1:9090",
  "store_dir": "/var/lib/ttp/store",
  "kek_file": "/etc/ttp/kek",
  "audit_key_file": "/etc/ttp/audit.key",
  "tls": {
    "ca_file": "/etc/ttp/ca.pem",
    "cert_file": "/etc/ttp/server.pem",
    "key_file": "/etc/ttp/server-key.pem"
  },
  "principals": [
    {"name": "operator", "organisation": "TTP", "roles": ["operator"]},
    {"name": "umcg-broker", "organisation": "UMCG", "roles": ["broker", "registry"]}
  ],
  "dev": true
}`

func write(t testing.TB, dir, content string) string {
	t.Helper()
	path := filepath.Join(dir, "ttpd.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// edit returns valid with fn applied to it as a generic JSON object.
func edit(t *testing.T, fn func(m map[string]any)) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(valid), &m); err != nil {
		t.Fatal(err)
	}
	fn(m)
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func TestLoadValid(t *testing.T) {
	c, err := config.Load(write(t, t.TempDir(), valid))
	if err != nil {
		t.Fatal(err)
	}
	want := &config.Config{
		Listen:        "127.0.0.1:7443",
		MetricsListen: "127.0.0.1:9090",
		StoreDir:      "/var/lib/ttp/store",
		KEKFile:       "/etc/ttp/kek",
		AuditKeyFile:  "/etc/ttp/audit.key",
		TLS:           config.TLS{CAFile: "/etc/ttp/ca.pem", CertFile: "/etc/ttp/server.pem", KeyFile: "/etc/ttp/server-key.pem"},
		Principals: []config.Principal{
			{Name: "operator", Organisation: "TTP", Roles: []authz.Role{authz.Operator}},
			{Name: "umcg-broker", Organisation: "UMCG", Roles: []authz.Role{authz.Broker, authz.Registry}},
		},
		Dev: true,
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("Load =\n%+v\nwant\n%+v", c, want)
	}
	dir := c.Directory()
	if len(dir) != 2 || dir["umcg-broker"].Organisation != "UMCG" || !dir["umcg-broker"].Has(authz.Registry) || dir["operator"].Has(authz.Broker) {
		t.Fatalf("Directory = %+v", dir)
	}
}

func TestWriteLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	c, err := config.Load(write(t, dir, valid))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "copy.json")
	if err := c.Write(path); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("written file: %v, %v", fi.Mode(), err)
	}
	c2, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, c2) {
		t.Fatalf("round trip changed the config:\n%+v\n%+v", c, c2)
	}
}

func TestLoadRejects(t *testing.T) {
	cases := []struct {
		name    string
		content string
		want    []string // each must appear in the error
	}{
		{"unknown top-level field", edit(t, func(m map[string]any) { m["listn"] = "x" }), []string{"listn"}},
		{"unknown nested field", edit(t, func(m map[string]any) { m["tls"].(map[string]any)["key_fle"] = "x" }), []string{"key_fle"}},
		{"unknown principal field", edit(t, func(m map[string]any) { m["principals"].([]any)[0].(map[string]any)["role"] = "operator" }), []string{"role"}},
		{"not JSON", "listen = 1", []string{"config"}},
		{"empty file", "", []string{"config"}},
		{"wrong type", edit(t, func(m map[string]any) { m["dev"] = "yes" }), []string{"dev"}},
		{"missing settings, all reported", `{}`, []string{"listen is required", "store_dir is required", "kek_file is required", "audit_key_file is required", "tls.ca_file is required", "tls.cert_file is required", "tls.key_file is required"}},
		{"some missing settings", edit(t, func(m map[string]any) { delete(m, "kek_file"); delete(m, "tls") }), []string{"kek_file is required", "tls.ca_file is required", "tls.cert_file is required", "tls.key_file is required"}},
		{"unknown role", edit(t, func(m map[string]any) {
			m["principals"].([]any)[1].(map[string]any)["roles"] = []string{"broker", "admin"}
		}), []string{"principals[1]", `unknown role "admin"`}},
		{"role in other case", edit(t, func(m map[string]any) {
			m["principals"].([]any)[0].(map[string]any)["roles"] = []string{"Operator"}
		}), []string{"principals[0]", "Operator"}},
		{"no roles", edit(t, func(m map[string]any) { delete(m["principals"].([]any)[0].(map[string]any), "roles") }), []string{"principals[0]", "role"}},
		{"duplicate principal", edit(t, func(m map[string]any) {
			ps := m["principals"].([]any)
			m["principals"] = append(ps, map[string]any{"name": "operator", "organisation": "X", "roles": []string{"broker"}})
		}), []string{"principals[2]", `"operator" is listed twice`}},
		{"nameless principal", edit(t, func(m map[string]any) {
			m["principals"] = []any{map[string]any{"organisation": "X", "roles": []string{"broker"}}}
		}), []string{"principals[0]: name is required"}},
		{"several problems at once", edit(t, func(m map[string]any) {
			delete(m, "listen")
			m["principals"] = []any{
				map[string]any{"name": "a", "roles": []string{"wizard"}},
				map[string]any{"name": "a", "roles": []string{"broker"}},
			}
		}), []string{"listen is required", `unknown role "wizard"`, "listed twice"}},
		{"broker without organisation", edit(t, func(m map[string]any) {
			delete(m["principals"].([]any)[1].(map[string]any), "organisation")
		}), []string{"principals[1]", "a broker needs an organisation"}},
		{"bad organisations", edit(t, func(m map[string]any) {
			m["organisations"] = []any{
				map[string]any{"name": "UMCG", "agb_codes": []string{"0600000"}},
				map[string]any{"name": "UMCG", "agb_codes": []string{"06000001"}},
				map[string]any{"name": "Nobody", "agb_codes": []string{}},
				map[string]any{"agb_codes": []string{"06000001"}},
			}
		}), []string{"organisations[0] (UMCG): agb_codes[0] is not an 8-digit AGB code", `organisations[1]: "UMCG" is listed twice`,
			`organisations[2]: no principal belongs to "Nobody"`, "organisations[2] (Nobody): agb_codes is required", "organisations[3]: name is required"}},
		{"quota without a rate", edit(t, func(m map[string]any) {
			m["quotas"] = map[string]any{"pseudonyms": map[string]any{"burst": 10}}
		}), []string{"quotas.pseudonyms", "per_day"}},
		{"unlimited quota with a rate", edit(t, func(m map[string]any) {
			m["principals"].([]any)[1].(map[string]any)["quotas"] = map[string]any{"registrations": map[string]any{"unlimited": true, "per_day": 5}}
		}), []string{"principals[1]", "quotas.registrations", "unlimited"}},
		{"negative limit", edit(t, func(m map[string]any) { m["limits"] = map[string]any{"calls": -1} }), []string{"limits"}},
		{"trailing data after the object", valid + `{"listen": "0.0.0.0:1"}`, []string{"config"}},
		{"trailing garbage", valid + "\nxyz", []string{"config"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := config.Load(write(t, t.TempDir(), c.content))
			if err == nil {
				t.Fatalf("Load accepted it: %+v", cfg)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	if _, err := config.Load(filepath.Join(t.TempDir(), "nope.json")); !os.IsNotExist(err) {
		t.Fatalf("Load of a missing file = %v, want a not-exist error", err)
	}
}

func TestRelativePaths(t *testing.T) {
	dir := t.TempDir()
	content := edit(t, func(m map[string]any) {
		m["store_dir"] = "store"
		m["kek_file"] = "secrets/kek"
		m["audit_key_file"] = "secrets/audit.key"
		m["tls"] = map[string]any{"ca_file": "../shared/ca.pem", "cert_file": "./server.pem", "key_file": "/abs/server-key.pem"}
	})
	sub := filepath.Join(dir, "etc")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	path := write(t, sub, content)

	check := func(t *testing.T, c *config.Config) {
		t.Helper()
		want := map[string]string{
			"store_dir":      filepath.Join(sub, "store"),
			"kek_file":       filepath.Join(sub, "secrets", "kek"),
			"audit_key_file": filepath.Join(sub, "secrets", "audit.key"),
			"tls.ca_file":    filepath.Join(dir, "shared", "ca.pem"),
			"tls.cert_file":  filepath.Join(sub, "server.pem"),
			"tls.key_file":   "/abs/server-key.pem",
		}
		got := map[string]string{
			"store_dir": c.StoreDir, "kek_file": c.KEKFile, "audit_key_file": c.AuditKeyFile,
			"tls.ca_file": c.TLS.CAFile, "tls.cert_file": c.TLS.CertFile, "tls.key_file": c.TLS.KeyFile,
		}
		for k, w := range want {
			abs, err := filepath.Abs(got[k])
			if err != nil || abs != w {
				t.Errorf("%s = %q (%q), want %q", k, got[k], abs, w)
			}
		}
		// Addresses are not paths.
		if c.Listen != "127.0.0.1:7443" || c.MetricsListen != "127.0.0.1:9090" {
			t.Errorf("addresses changed: %q, %q", c.Listen, c.MetricsListen)
		}
	}
	t.Run("absolute config path", func(t *testing.T) {
		c, err := config.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		check(t, c)
	})
	t.Run("config path relative to the working directory", func(t *testing.T) {
		t.Chdir(dir)
		c, err := config.Load(filepath.Join("etc", "ttpd.json"))
		if err != nil {
			t.Fatal(err)
		}
		check(t, c)
	})
}

func TestValidateDirectly(t *testing.T) {
	c, err := config.Load(write(t, t.TempDir(), valid))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		change func(c *config.Config)
		ok     bool
	}{
		{"unchanged", func(*config.Config) {}, true},
		{"metrics off", func(c *config.Config) { c.MetricsListen = "" }, true},
		{"no principals", func(c *config.Config) { c.Principals = nil }, true},
		{"every role", func(c *config.Config) { c.Principals[0].Roles = slices.Clone(authz.AllRoles) }, true},
		{"no listen", func(c *config.Config) { c.Listen = "" }, false},
		{"empty role", func(c *config.Config) { c.Principals[0].Roles = []authz.Role{""} }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cc := *c
			cc.Principals = slices.Clone(c.Principals)
			tc.change(&cc)
			if err := cc.Validate(); (err == nil) != tc.ok {
				t.Fatalf("Validate = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func FuzzLoad(f *testing.F) {
	f.Add([]byte(valid))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"listen":"x","store_dir":"s","kek_file":"k","audit_key_file":"a","tls":{"ca_file":"c","cert_file":"c","key_file":"k"},"principals":[{"name":"a","roles":["broker"]}]}`))
	f.Add([]byte(`{"principals":[{"name":"a","roles":["nope"]},{"name":"a"}]}`))
	f.Add([]byte(`null`))
	f.Add([]byte("\xff\xfe{"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, raw []byte) {
		path := filepath.Join(dir, "ttpd.json")
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := config.Load(path)
		if err != nil {
			return
		}
		// What Load accepts is valid, has absolute paths, and survives a
		// round trip through Write.
		if err := c.Validate(); err != nil {
			t.Fatalf("Load accepted a config that does not validate: %v", err)
		}
		for _, p := range []string{c.StoreDir, c.KEKFile, c.TLS.CAFile, c.TLS.CertFile, c.TLS.KeyFile} {
			if !filepath.IsAbs(p) {
				t.Fatalf("path %q is not absolute", p)
			}
		}
		out := filepath.Join(dir, "out.json")
		if err := c.Write(out); err != nil {
			t.Fatal(err)
		}
		c2, err := config.Load(out)
		if err != nil {
			t.Fatalf("Load of a written config: %v", err)
		}
		if !reflect.DeepEqual(c, c2) {
			t.Fatalf("round trip changed the config:\n%+v\n%+v", c, c2)
		}
	})
}

// A configuration file that others may write is a way in: whoever can edit
// it can add a principal with any role. One that others may read lists who
// may do what. Load refuses either, as the KEK file is refused, and says
// how to fix it.
func TestLoadRefusesLaxMode(t *testing.T) {
	for _, mode := range []os.FileMode{0o640, 0o604, 0o602, 0o660} {
		path := write(t, t.TempDir(), valid)
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := config.Load(path)
		if err == nil || !strings.Contains(err.Error(), "chmod 0600") {
			t.Errorf("mode %04o: Load: %v, want a refusal that says chmod 0600", mode, err)
		}
	}
}

func TestAGBCodes(t *testing.T) {
	c, err := config.Load(write(t, t.TempDir(), edit(t, func(m map[string]any) {
		m["organisations"] = []any{map[string]any{"name": "UMCG", "agb_codes": []string{"06000001", "06000002"}}}
	})))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.AGBCodes("UMCG"); !reflect.DeepEqual(got, []string{"06000001", "06000002"}) {
		t.Fatalf("AGBCodes(UMCG) = %v", got)
	}
	if got := c.AGBCodes("TTP"); got != nil {
		t.Fatalf("AGBCodes of an organisation not listed = %v; want nil (any)", got)
	}
}

// TestQuotaOf: a principal's own quota, else the configuration's, else the
// default; and the defaults let a hospital's nightly export through and
// stop a sweep of the BSN space.
func TestQuotaOf(t *testing.T) {
	own := &config.Quota{PerDay: 10, Burst: 10}
	all := &config.Quota{Unlimited: true}
	c := &config.Config{
		Quotas:     &config.Quotas{Registrations: all},
		Principals: []config.Principal{{Name: "a", Quotas: &config.Quotas{Pseudonyms: own}}, {Name: "b"}},
	}
	pseudonyms := func(q *config.Quotas) *config.Quota { return q.Pseudonyms }
	registrations := func(q *config.Quotas) *config.Quota { return q.Registrations }
	if got := c.QuotaOf("a", pseudonyms); got != *own {
		t.Errorf("a's pseudonyms: %+v", got)
	}
	if got := c.QuotaOf("a", registrations); got != *all {
		t.Errorf("a's registrations: %+v", got)
	}
	if got := c.QuotaOf("b", pseudonyms); got != *config.DefaultQuotas.Pseudonyms {
		t.Errorf("b's pseudonyms: %+v", got)
	}

	const nightlyRecords, fields, validBSNs = 400_000, 12, 100_000_000
	def := config.DefaultQuotas
	if def.Pseudonyms.Burst < nightlyRecords*fields || def.Registrations.Burst < nightlyRecords {
		t.Errorf("a nightly export of %d records of %d fields does not fit the default quotas %+v, %+v", nightlyRecords, fields, *def.Pseudonyms, *def.Registrations)
	}
	if days := (validBSNs - def.Pseudonyms.Burst) / def.Pseudonyms.PerDay; days < 14 {
		t.Errorf("the default quota lets a broker code every valid BSN in %.0f days", days)
	}
	if l := (&config.Config{Limits: &config.Limits{Calls: 3}}).LimitsOrDefault(); l.Calls != 3 || l.InFlightMiB != config.DefaultLimits.InFlightMiB {
		t.Errorf("limits: %+v", l)
	}
}
