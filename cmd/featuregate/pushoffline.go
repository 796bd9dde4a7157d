package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/internal/offline"
	"github.com/featuregate/featuregate/pit"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner"
	"github.com/featuregate/featuregate/wire"
)

// offlineWriter inserts pushed rows into a source's table as the user
// who pushes them: the upstream login its sessions use (the managed role
// of its access level, or its own role), never the gateway's own role; an
// administrator without a login of its own (the anonymous user of a
// gateway without authentication) writes as the read-write role. The
// values, text, are read as the table's column types by PostgreSQL
// (json_populate_recordset), in one statement: all rows or none.
func offlineWriter(wcfg wire.Config, up *offline.Upstream) planner.OfflineWriter {
	return func(ctx context.Context, who plan.Identity, table string, cols []string, values [][]*string) (int64, error) {
		login := offline.Login(wcfg.DefaultLogin)
		for _, u := range wcfg.Users {
			if u.Name == who.User {
				login = offline.Login(u.Upstream)
			}
		}
		if who.Admin && login.User == up.Login(offline.ReadOnly).User {
			login = up.Login(offline.ReadWrite)
		}
		pw, err := login.Password(ctx, false)
		if err != nil {
			return 0, err
		}
		cc := up.Base()
		cc.User, cc.Password = login.User, pw
		if cc.RuntimeParams == nil {
			cc.RuntimeParams = map[string]string{}
		}
		cc.RuntimeParams["timezone"] = "UTC"
		conn, err := pgconn.ConnectConfig(ctx, cc)
		if err != nil {
			return 0, featuregate.Errorf(featuregate.KindUnavailable, "connect to the offline store as %s: %v", login.User, err)
		}
		defer conn.Close(context.Background())
		return insertRows(ctx, conn, table, cols, values)
	}
}

// insertRows inserts the rows in one statement.
func insertRows(ctx context.Context, conn *pgconn.PgConn, table string, cols []string, values [][]*string) (int64, error) {
	n := 0
	if len(values) > 0 {
		n = len(values[0])
	}
	rows := make([]map[string]*string, n)
	for r := range rows {
		rows[r] = make(map[string]*string, len(cols))
		for i, c := range cols {
			rows[r][c] = values[i][r]
		}
	}
	doc, err := json.Marshal(rows)
	if err != nil {
		return 0, err
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = pit.Ident(c)
	}
	list := strings.Join(quoted, ", ")
	sql := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM json_populate_recordset(NULL::%s, $1::json)", table, list, list, table)
	res := conn.ExecParams(ctx, sql, [][]byte{doc}, nil, nil, nil).Read()
	if res.Err != nil {
		kind := featuregate.KindInvalid
		if pe, ok := res.Err.(*pgconn.PgError); ok && pe.Code == "42501" {
			kind = featuregate.KindPermission
		}
		return 0, &featuregate.Error{Kind: kind, Message: "insert into " + table, Err: res.Err}
	}
	return res.CommandTag.RowsAffected(), nil
}
