package planner

import (
	"context"
	"fmt"
	"slices"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/plan"
	"github.com/featuregate/featuregate/planner/access"
	"github.com/featuregate/featuregate/planner/exec"
)

// OfflineWriter inserts pushed rows into a source's table on the offline
// PostgreSQL as the user who pushes them (never as the gateway's own
// role): columns name the table's columns, values hold one text array per
// column. It returns the number of rows inserted.
type OfflineWriter func(ctx context.Context, who plan.Identity, table string, columns []string, values [][]*string) (int64, error)

// Push runs a push request (Feast's push and write_to_online_store):
// every row is checked for every view before anything is written; rows
// for offline go into the source's table first, then online.
func (p *Planner) Push(ctx context.Context, req plan.PushRequest) (*plan.PushResult, error) {
	if err := p.openForPush(ctx, req); err != nil {
		return nil, err
	}
	snap, err := p.pushSnapshot(ctx, req.Project)
	if err != nil {
		return nil, err
	}
	to := req.To
	if to == "" {
		to = plan.PushOnline
	}
	if to != plan.PushOnline && to != plan.PushOffline && to != plan.PushOnlineAndOffline {
		return nil, featuregate.Errorf(featuregate.KindInvalid, "\"to\" is %q", req.To).
			WithHint("push to \"online\", \"offline\" or \"online_and_offline\"")
	}
	views, src, err := pushViews(snap, req)
	if err != nil {
		return nil, err
	}
	if len(req.Columns) == 0 || len(req.Columns) != len(req.Values) {
		return nil, featuregate.Errorf(featuregate.KindInvalid, "a push needs columns of values").
			WithHint("give \"df\" as {column: [values, …], …}")
	}
	res := &plan.PushResult{Rows: int64(len(req.Values[0]))}
	var checked []*exec.CheckedPush
	var names []string
	if to != plan.PushOffline {
		s := plan.Session{User: req.Who.User, Database: req.Project, Roles: req.Who.Roles, Admin: req.Who.Admin, ReadOnly: req.Who.ReadOnly}
		for _, v := range views {
			c, err := p.checkPushView(ctx, s, snap, v, req, src != nil)
			if err != nil {
				return nil, fmt.Errorf("push into feature view %s: %w", v, err)
			}
			checked, names = append(checked, c), append(names, v)
		}
	}
	if to != plan.PushOnline {
		if res.OfflineRows, err = p.pushOffline(ctx, req, snap, src); err != nil {
			return nil, err
		}
	}
	for i, c := range checked {
		st, err := p.env.WritePush(ctx, c)
		if err != nil {
			return res, featuregate.Errorf(featuregate.KindOf(err), "push into feature view %s: %v", names[i], err)
		}
		res.Views = append(res.Views, st.Pushed(names[i]))
	}
	return res, nil
}

// pushSnapshot is project's catalog as SQL statements see it: the
// gateway's cache, checked against the registry at most once a second
// (Feast's allow_registry_cache), changes made through this gateway
// included at once.
func (p *Planner) pushSnapshot(ctx context.Context, project string) (*catalog.Snapshot, error) {
	cv, err := p.catalogs.View(ctx, project)
	if err != nil {
		return nil, err
	}
	if cv == nil {
		return nil, featuregate.Errorf(featuregate.KindUnavailable, "this gateway has no registry")
	}
	return cv.Snapshot(), nil
}

// openForPush checks that the user may open the request's project.
func (p *Planner) openForPush(ctx context.Context, req plan.PushRequest) error {
	if p.reg == nil {
		return featuregate.Errorf(featuregate.KindUnavailable, "this gateway has no registry")
	}
	reg := access.Projects(p.reg)
	if req.Project == p.opts.project || p.knownProject(ctx, req.Project) {
		reg = nil
	}
	return access.Open(ctx, reg, req.Who, req.Project, false)
}

// pushViews are the views a push writes online: the one named, or every
// online view over the push source; src is the source of a source push.
func pushViews(snap *catalog.Snapshot, req plan.PushRequest) ([]string, *catalog.Source, error) {
	if req.View != "" {
		return []string{req.View}, nil, nil
	}
	src, _ := snap.Find(catalog.KindSource, req.Source).(*catalog.Source)
	if src == nil {
		return nil, nil, featuregate.Errorf(featuregate.KindUndefined, "push source %q does not exist", req.Source).
			WithHint("a push source is a source of the project (SHOW SOURCES)")
	}
	var views []string
	for _, v := range snap.Views {
		if v.Online && v.Source == src.Name {
			views = append(views, v.Name)
		}
	}
	if len(views) == 0 && req.To != plan.PushOffline {
		return nil, nil, featuregate.Errorf(featuregate.KindInvalid, "no ONLINE feature view reads source %s", src.Name).
			WithHint("define one over it, or push \"to\": \"offline\"")
	}
	return views, src, nil
}

// checkPushView checks the rows of req for view: a push source's columns
// that the view does not have are left out of it.
func (p *Planner) checkPushView(ctx context.Context, s plan.Session, snap *catalog.Snapshot, view string, req plan.PushRequest, lenient bool) (*exec.CheckedPush, error) {
	t, err := exec.Target(snap, view)
	if err != nil {
		return nil, err
	}
	if err := pushAllowed(s, snap, view); err != nil {
		return nil, err
	}
	cols, vals := req.Columns, req.Values
	if lenient {
		cols, vals = nil, nil
		for i, c := range req.Columns {
			if slices.Contains(t.Columns, c) || t.Alias(c) {
				cols, vals = append(cols, c), append(vals, req.Values[i])
			}
		}
	}
	slots, err := t.Slots(cols)
	if err != nil {
		return nil, err
	}
	values := make([][]*string, len(t.Columns))
	for i, s := range slots {
		values[s] = vals[i]
	}
	return p.env.CheckPush(ctx, req.Project, t, values)
}

// pushOffline inserts the rows into the push source's table as the user.
func (p *Planner) pushOffline(ctx context.Context, req plan.PushRequest, snap *catalog.Snapshot, src *catalog.Source) (int64, error) {
	if src == nil {
		return 0, featuregate.Errorf(featuregate.KindInvalid, "write-to-online-store writes online only").
			WithHint("push to a push source (POST /push) to write offline")
	}
	if src.Table == "" {
		return 0, featuregate.Errorf(featuregate.KindUnsupported, "source %s is a query, not a table: pushes cannot write it offline", src.Name).
			WithHint("push \"to\": \"online\", or define the source AS TABLE")
	}
	if req.Who.ReadOnly && !req.Who.Admin {
		return 0, featuregate.Errorf(featuregate.KindPermission, "permission denied: user %q reads the offline store read-only", req.Who.User).
			WithHint("%s", readOnlyHint)
	}
	if err := access.Check(snap, req.Who, catalog.ActionWriteOffline, catalog.KindSource, src.Name); err != nil {
		return 0, err
	}
	if p.opts.offlineWriter == nil {
		return 0, featuregate.Errorf(featuregate.KindUnsupported, "this gateway cannot write the offline store").
			WithHint("push \"to\": \"online\"")
	}
	cols := make([]string, len(req.Columns))
	for i, c := range req.Columns {
		switch {
		case c == exec.EventTimestamp:
			c = src.TimestampColumn
		case c == exec.CreatedTimestamp && src.CreatedColumn != "":
			c = src.CreatedColumn
		}
		cols[i] = c
	}
	n, err := p.opts.offlineWriter(ctx, req.Who, src.Table, cols, req.Values)
	if err != nil {
		return 0, fmt.Errorf("push into the table of source %s: %w", src.Name, err)
	}
	return n, nil
}
