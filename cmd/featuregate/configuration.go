package main

import (
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/featuregate/featuregate/internal/config"
)

// masked replaces secrets in what configuration prints.
const masked = "********"

func newConfigurationCmd(g *globalFlags) *cobra.Command {
	f := &gatewayFlags{}
	var httpListen string
	cmd := &cobra.Command{
		Use:   "configuration",
		Short: "Print the effective configuration as YAML, secrets masked",
		Long: `Print the configuration the other commands would use, as YAML: the config file
(--config FILE, or ./featuregate.yaml when present) over the defaults, ${NAME}
replaced from the environment, and the flags over both. Passwords, in auth.users
(and their upstream) and in the DSNs, are printed as ` + masked + `.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.config(g)
			if err != nil {
				return err
			}
			if httpListen != "" {
				cfg.HTTPListen = httpListen
			}
			enc := yaml.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent(2)
			n, err := configNode(maskConfig(cfg))
			if err != nil {
				return err
			}
			if err := enc.Encode(n); err != nil {
				return err
			}
			return enc.Close()
		},
	}
	f.registryFlags.add(cmd)
	cmd.Flags().StringVar(&f.listen, "listen", "", "address of the gateway")
	cmd.Flags().StringVar(&f.data, "data", "", "data directory")
	cmd.Flags().StringVar(&httpListen, "http", "", "address of the HTTP API, or off")
	return cmd
}

// maskConfig returns cfg with its passwords masked.
func maskConfig(cfg config.Config) config.Config {
	cfg.Offline.DSN = maskDSN(cfg.Offline.DSN)
	cfg.Online.DSN = maskDSN(cfg.Online.DSN)
	users := make([]config.User, len(cfg.Auth.Users))
	for i, u := range cfg.Auth.Users {
		if u.Password != "" {
			u.Password = masked
		}
		if u.Upstream.Password != "" {
			u.Upstream.Password = masked
		}
		users[i] = u
	}
	cfg.Auth.Users = users
	return cfg
}

// dsnPassword finds password=… in a keyword/value DSN.
var dsnPassword = regexp.MustCompile(`(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// urlPassword finds the password of a URL's user information.
var urlPassword = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9+.-]*://[^:/?#@]*:)[^/?#]*@`)

// queryPassword finds password=… in a URL's query.
var queryPassword = regexp.MustCompile(`((?:^|&)password=)[^&#]*`)

// maskDSN masks the password of a URL or keyword/value DSN.
func maskDSN(dsn string) string {
	if !strings.Contains(dsn, "://") {
		return dsnPassword.ReplaceAllString(dsn, "${1}"+masked)
	}
	dsn = urlPassword.ReplaceAllString(dsn, "${1}"+masked+"@")
	if i := strings.IndexByte(dsn, '?'); i >= 0 {
		dsn = dsn[:i+1] + queryPassword.ReplaceAllString(dsn[i+1:], "${1}"+masked)
	}
	return dsn
}

// configNode renders cfg as YAML (durations write themselves as 30s).
func configNode(cfg config.Config) (*yaml.Node, error) {
	n := &yaml.Node{}
	return n, n.Encode(cfg)
}
