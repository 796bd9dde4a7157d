package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
)

// datasetNoun is saved-datasets as a catalog noun, for list.
var datasetNoun = catalogNoun{"saved-datasets", "saved dataset", "saved datasets", "SHOW DATASETS", catalog.KindDataset}

// newSavedDatasetsCmd returns saved-datasets list|describe|export|validate.
func newSavedDatasetsCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "saved-datasets",
		Short: "List, describe, export or validate the saved datasets (CREATE DATASET)",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newListCmd(g, datasetNoun), newDescribeDatasetCmd(g), newExportDatasetCmd(g), newValidateDatasetCmd(g))
	return cmd
}

func newDescribeDatasetCmd(g *globalFlags) *cobra.Command {
	f := &registryFlags{}
	var format string
	cmd := &cobra.Command{
		Use:   "describe NAME",
		Short: "Describe one saved dataset: its query, provenance and column profile",
		Long: `Describe one saved dataset, as the registry records it: its query, the feature
views and registry version it read, its join keys, row count, event time range,
who created it and when, and the profile of each column (type, null fraction,
min, max, mean and standard deviation of numbers, distinct count and top values
of text and booleans). -o json or yaml print the whole record.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.withRegistry(cmd, g, true, func(reg *catalog.Store, project string) error {
				sn, err := reg.Snapshot(cmd.Context(), project)
				if err != nil {
					return err
				}
				d, ok := sn.Find(catalog.KindDataset, args[0]).(*catalog.Dataset)
				if !ok {
					return featuregate.Errorf(featuregate.KindUndefined, "saved dataset %q does not exist in project %q", args[0], project).
						WithHint("featuregate saved-datasets list shows them.")
				}
				return writeDataset(cmd.OutOrStdout(), format, d)
			})
		},
	}
	addFormatFlag(cmd, &format)
	f.add(cmd)
	return cmd
}

// writeDataset prints a dataset's record.
func writeDataset(w io.Writer, format string, d *catalog.Dataset) error {
	switch format {
	case "json":
		b, err := json.MarshalIndent(d, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	case "yaml":
		b, err := json.Marshal(d)
		if err != nil {
			return err
		}
		var v any
		if err := yaml.Unmarshal(b, &v); err != nil {
			return err
		}
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(v); err != nil {
			return err
		}
		return enc.Close()
	}
	return writeDatasetTable(w, d)
}

// writeDatasetTable prints the record, then one line per column profile.
func writeDatasetTable(w io.Writer, d *catalog.Dataset) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	span := "-"
	if d.MinTime != nil {
		span = d.MinTime.UTC().Format("2006-01-02 15:04:05") + " .. " + d.MaxTime.UTC().Format("2006-01-02 15:04:05")
	}
	fmt.Fprintf(tw, "name\t%s\ncomment\t%s\nrows\t%d\nevent time (%s)\t%s\nfeature views\t%s\nregistry version\t%d\n",
		d.Name, d.Comment, d.Rows, d.TimeColumn, span, strings.Join(d.Views, ", "), d.Version)
	fmt.Fprintf(tw, "join keys\t%s\ncreated by\t%s\ncreated at\t%s\nquery\t%s\n\n",
		strings.Join(d.JoinKeys, ", "), d.CreatedBy, d.CreatedAt.UTC().Format("2006-01-02 15:04:05"), oneLine(d.Query))
	fmt.Fprintln(tw, "COLUMN\tTYPE\tNULLS\tMIN\tMAX\tMEAN\tSTDDEV\tDISTINCT\tTOP VALUES")
	for _, c := range d.Profile.Columns {
		var top []string
		for _, tv := range c.Top {
			top = append(top, fmt.Sprintf("%s (%d)", tv.Value, tv.Count))
		}
		fmt.Fprintf(tw, "%s\t%s\t%.4g\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Type, c.NullFraction, optText(c.Min), optText(c.Max),
			optNum(c.Mean), optNum(c.StdDev), optInt(c.Distinct), strings.Join(top, ", "))
	}
	return tw.Flush()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func optText(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func optNum(f *float64) string {
	if f == nil {
		return ""
	}
	return fmt.Sprintf("%.6g", *f)
}

func optInt(n *int64) string {
	if n == nil {
		return ""
	}
	return fmt.Sprint(*n)
}

func newExportDatasetCmd(g *globalFlags) *cobra.Command {
	f := &gatewayFlags{}
	var output, format string
	cmd := &cobra.Command{
		Use:   "export NAME --output FILE.csv|FILE.parquet",
		Short: "Write a saved dataset to a CSV or parquet file, streamed through the gateway",
		Long: `Write the rows of a saved dataset to a file, streamed from the gateway into the
file (memory stays flat whatever the size), with a progress bar on a terminal. The
format follows the file's extension, or --format:

  .csv      CSV with a header, NULL as an empty field: COPY … TO STDOUT through
            the gateway, PostgreSQL's own CSV.
  .parquet  parquet: one optional column per dataset column, its type mapped
            from PostgreSQL's (a type without one fails the export; docs/sql.md,
            "Exports to CSV and parquet", has the mapping), snappy-compressed
            row groups of 131,072 rows.

A failed export removes the file.

` + gatewayHelp,
		Example: `  featuregate saved-datasets export churn_training_2024_01 --output training.csv
  featuregate saved-datasets export churn_training_2024_01 --output training.parquet`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ex, err := exporterFor(output, format)
			if err != nil {
				return err
			}
			query := "SELECT * FROM " + catalog.QuoteIdent(args[0])
			return f.session(cmd, g, func(conn *pgx.Conn) error {
				return exportQuery(cmd, conn, ex, query, output)
			})
		},
	}
	cmd.Flags().StringVar(&output, "output", "", "the file to write (required)")
	cmd.Flags().StringVar(&format, "format", "", "the file's format: csv or parquet (default: from the extension)")
	_ = cmd.MarkFlagRequired("output")
	f.add(cmd)
	return cmd
}

func newValidateDatasetCmd(g *globalFlags) *cobra.Command {
	f := &gatewayFlags{}
	var against, format string
	var fail bool
	cmd := &cobra.Command{
		Use:   "validate NAME --against REFERENCE [--fail]",
		Short: "Compare a saved dataset's profile with a reference dataset's (VALIDATE … AGAINST)",
		Long: `Compare the profile of a saved dataset with a reference dataset's, as the SQL
statement VALIDATE NAME AGAINST REFERENCE does: one row per check of each column
(null fraction, range, mean shift, new categories; docs/sql.md has the default
thresholds). With --fail the command exits with status 1 when a check drifted.

` + gatewayHelp,
		Example: `  featuregate saved-datasets validate churn_training_2024_02 --against churn_training_2024_01 --fail`,
		Args:    cobra.ExactArgs(1),
		PreRunE: func(*cobra.Command, []string) error { return checkFormat(format, "table", "json", "csv") },
		RunE: func(cmd *cobra.Command, args []string) error {
			sql := "VALIDATE " + catalog.QuoteIdent(args[0]) + " AGAINST " + catalog.QuoteIdent(against)
			var res *resultSet
			err := f.session(cmd, g, func(conn *pgx.Conn) error {
				var err error
				res, err = querySimple(cmd.Context(), conn, sql)
				return err
			})
			if err != nil {
				return err
			}
			if err := res.write(cmd.OutOrStdout(), format); err != nil {
				return err
			}
			if n := driftedChecks(res); fail && n > 0 {
				return fmt.Errorf("%d checks of %s drifted from %s", n, args[0], against)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&against, "against", "", "the reference dataset (required)")
	cmd.Flags().BoolVar(&fail, "fail", false, "exit with status 1 when a check drifted")
	cmd.Flags().StringVarP(&format, "output-format", "o", "table", "output format: table, json or csv")
	_ = cmd.MarkFlagRequired("against")
	f.add(cmd)
	return cmd
}

// driftedChecks counts the rows of VALIDATE whose status is drifted.
func driftedChecks(res *resultSet) int {
	col := -1
	for i, c := range res.cols {
		if c == "status" {
			col = i
		}
	}
	n := 0
	for _, r := range res.rows {
		if col >= 0 && r[col] != nil && *r[col] == "drifted" {
			n++
		}
	}
	return n
}
