package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/featuregate/featuregate/catalog"
)

// featureFlags choose the features of get-online-features and
// get-historical-features: Feast references or a feature service.
type featureFlags struct {
	features  []string
	service   string
	fullNames bool
}

func (ff *featureFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringSliceVarP(&ff.features, "features", "f", nil, "features as view:feature, comma-separated or repeated")
	cmd.Flags().StringVarP(&ff.service, "service", "s", "", "a feature service (or feature view) whose features to read, instead of --features")
	cmd.Flags().BoolVar(&ff.fullNames, "full-feature-names", false, "name feature columns view__feature (always so for names two views share)")
}

// featureRef is a feature as view:feature.
type featureRef struct{ view, feature string }

// fullName is Feast's full feature name, view__feature.
func (r featureRef) fullName() string { return r.view + "__" + r.feature }

// refs checks the flags and parses --features.
func (ff *featureFlags) refs() ([]featureRef, error) {
	if (len(ff.features) == 0) == (ff.service == "") {
		return nil, usagef("give either --features view:feature,… or --service NAME")
	}
	var refs []featureRef
	for _, s := range ff.features {
		view, feature, ok := strings.Cut(strings.TrimSpace(s), ":")
		if !ok || view == "" || feature == "" {
			return nil, usagef("feature %q is not view:feature (e.g. driver_hourly_stats:conv_rate)", s)
		}
		refs = append(refs, featureRef{view, feature})
	}
	return refs, nil
}

// outputNames names the feature columns of refs: the bare feature name,
// or view__feature with --full-feature-names or when two views share it.
func outputNames(refs []featureRef, full bool) []string {
	count := map[string]int{}
	for _, r := range refs {
		count[r.feature]++
	}
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.feature
		if full || count[r.feature] > 1 {
			out[i] = r.fullName()
		}
	}
	return out
}

func newGetOnlineFeaturesCmd(g *globalFlags) *cobra.Command {
	f := &gatewayFlags{}
	ff := &featureFlags{}
	var entities, feastEntities []string
	var format string
	cmd := &cobra.Command{
		Use:   "get-online-features (--features VIEW:FEATURE,… | --service NAME) --entity KEY=VALUE[,KEY=VALUE…]…",
		Short: "Print the latest feature values of entities, from the online store",
		Long: `Print the latest materialized values of features for entity keys, from the online
store, as the SQL lookup SELECT … FROM features WHERE key = ANY($1) does: one row
per entity, in the order given; an unknown key or a value older than the view's
TTL gives empty (NULL) features.

--entity gives one entity, KEY=VALUE, several KEY=VALUE comma-separated for a
composite key; repeat it for more entities. As in Feast, the values given for a
key are zipped with those of the other keys: -e driver_id=1 -e trip_id=2 is one
entity (driver_id=1, trip_id=2).

-o json prints Feast's column-oriented shape, {"user_id": [...], "feature": [...]},
as feast get-online-features does; -o yaml the same mapping; -o table one row per
entity.

` + gatewayHelp,
		Example: `  featuregate get-online-features -f subs_profile_fv:months_active,usage_agg_30d_fv:watch_hours_30d -e user_id=u00001
  featuregate get-online-features --service churn_v1 --entity user_id=u00001 --entity user_id=u00002 -o json
  featuregate get-online-features -f trips_fv:fare --entity driver_id=1,trip_id=2`,
		Args: cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error {
			return checkFormat(format, "table", "json", "yaml")
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			refs, err := ff.refs()
			if err != nil {
				return err
			}
			keys, rows, err := parseEntities(append(entities, feastEntities...))
			if err != nil {
				return err
			}
			sql, args := onlineSQL(ff, refs, keys, rows)
			var res *resultSet
			err = f.session(cmd, g, func(conn *pgx.Conn) error {
				// The simple protocol: the gateway reads each value by its
				// key's type and says which one is not valid, as PostgreSQL would.
				rows, err := conn.Query(cmd.Context(), sql, append([]any{pgx.QueryExecModeSimpleProtocol}, args...)...)
				if err != nil {
					return err
				}
				res, err = readRows(rows)
				return err
			})
			if err != nil {
				return err
			}
			if ff.service != "" {
				res.dropColumn(catalog.EventTimestamp)
			}
			return writeColumns(cmd.OutOrStdout(), format, res)
		},
	}
	ff.add(cmd)
	cmd.Flags().StringArrayVarP(&entities, "entity", "e", nil, "an entity key, KEY=VALUE[,KEY=VALUE…]; repeat for more entities")
	cmd.Flags().StringArrayVar(&feastEntities, "entities", nil, "the same as --entity (Feast's name)")
	_ = cmd.Flags().MarkHidden("entities")
	cmd.Flags().StringVarP(&format, "output", "o", "table", "output format: table, json or yaml")
	f.add(cmd)
	return cmd
}

// parseEntities reads the --entity values into key names and rows of
// values (one per entity, in key order). Values given for a key are
// zipped with those of the other keys, as Feast does.
func parseEntities(specs []string) (keys []string, rows [][]string, err error) {
	if len(specs) == 0 {
		return nil, nil, usagef("give the entities: --entity KEY=VALUE (e.g. --entity user_id=u00001), repeated for several")
	}
	values := map[string][]string{}
	for _, spec := range specs {
		for _, pair := range strings.Split(spec, ",") {
			k, v, ok := strings.Cut(pair, "=")
			k = strings.TrimSpace(k)
			if !ok || k == "" {
				return nil, nil, usagef("entity %q is not KEY=VALUE[,KEY=VALUE…]", spec)
			}
			if _, seen := values[k]; !seen {
				keys = append(keys, k)
			}
			values[k] = append(values[k], strings.TrimSpace(v))
		}
	}
	n := len(values[keys[0]])
	for _, k := range keys {
		if len(values[k]) != n {
			return nil, nil, usagef("key %s has %d values and %s has %d: give every join key of each entity (--entity %s=…,%s=…)",
				keys[0], n, k, len(values[k]), keys[0], k)
		}
	}
	rows = make([][]string, n)
	for i := range rows {
		for _, k := range keys {
			rows[i] = append(rows[i], values[k][i])
		}
	}
	return keys, rows, nil
}

// onlineSQL is the lookup of the features for the rows of keys: key =
// ANY($1) for one key, (k1, k2) IN (($1, $2), …) for a composite key.
func onlineSQL(ff *featureFlags, refs []featureRef, keys []string, rows [][]string) (string, []any) {
	var b strings.Builder
	b.WriteString("SELECT ")
	rel := "features"
	if ff.service != "" {
		rel = ff.service
		b.WriteString("*")
	} else {
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(catalog.QuoteIdent(k))
		}
		for i, name := range outputNames(refs, ff.fullNames) {
			fmt.Fprintf(&b, ", %s AS %s", catalog.QuoteIdent(refs[i].fullName()), catalog.QuoteIdent(name))
		}
	}
	b.WriteString(" FROM " + catalog.QuoteIdent(rel) + " WHERE ")
	if len(keys) == 1 {
		vals := make([]string, len(rows))
		for i, r := range rows {
			vals[i] = r[0]
		}
		b.WriteString(catalog.QuoteIdent(keys[0]) + " = ANY($1)")
		return b.String(), []any{vals}
	}
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = catalog.QuoteIdent(k)
	}
	b.WriteString("(" + strings.Join(quoted, ", ") + ") IN (")
	var args []any
	for i, r := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		ph := make([]string, len(r))
		for j, v := range r {
			args = append(args, v)
			ph[j] = "$" + strconv.Itoa(len(args))
		}
		b.WriteString("(" + strings.Join(ph, ", ") + ")")
	}
	b.WriteString(")")
	return b.String(), args
}

// dropColumn removes the column called name, if any.
func (rs *resultSet) dropColumn(name string) {
	for i, c := range rs.cols {
		if c != name {
			continue
		}
		rs.cols = append(rs.cols[:i:i], rs.cols[i+1:]...)
		rs.oids = append(rs.oids[:i:i], rs.oids[i+1:]...)
		for r, row := range rs.rows {
			rs.rows[r] = append(row[:i:i], row[i+1:]...)
		}
		return
	}
}

// writeColumns prints a result as a table, or column-oriented as Feast's
// to_dict(): a mapping of each column to its list of values.
func writeColumns(w io.Writer, format string, rs *resultSet) error {
	if format == "table" {
		return rs.write(w, format)
	}
	cols := make([][]any, len(rs.cols))
	for j := range rs.cols {
		cols[j] = make([]any, len(rs.rows))
		for i, row := range rs.rows {
			cols[j][i] = typedValue(rs.oids[j], row[j])
		}
	}
	if format == "json" {
		var b strings.Builder
		b.WriteString("{")
		for j, c := range rs.cols {
			k, _ := json.Marshal(c)
			v, err := json.Marshal(cols[j])
			if err != nil {
				return err
			}
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "\n  %s: %s", k, v)
		}
		b.WriteString("\n}\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	m := &yaml.Node{Kind: yaml.MappingNode}
	for j, c := range rs.cols {
		seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, v := range cols[j] {
			n, err := (record{cols: []string{c}, vals: []any{v}}).node()
			if err != nil {
				return err
			}
			seq.Content = append(seq.Content, n.Content[1])
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: c}, seq)
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return err
	}
	return enc.Close()
}
