package catalog

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate"
)

// objKey identifies an object of a project.
type objKey struct {
	kind Kind
	name string
}

// state is a project's registry inside an Apply or Check transaction, as
// the changes applied so far have left it.
type state struct {
	project  string
	version  int64
	entities map[string]*Entity
	sources  map[string]*Source
	views    map[string]*FeatureView
	services map[string]*FeatureService
	perms    map[string]*Permission
	// touched records the objects changed, true for those deleted at some
	// point (so that a re-created object is written afresh).
	touched map[objKey]bool
	v       *validator
	// load is whether file sources' rows are loaded (Apply) or only their
	// tables created empty (Check); fileTables are the file sources whose
	// tables are to be dropped when the changes are written.
	load       bool
	fileTables map[string]bool
}

func loadState(ctx context.Context, tx pgx.Tx, project string) (*state, error) {
	st := &state{
		project:  project,
		entities: map[string]*Entity{},
		sources:  map[string]*Source{},
		views:    map[string]*FeatureView{},
		services: map[string]*FeatureService{},
		perms:    map[string]*Permission{},
		touched:  map[objKey]bool{},
		v:        newValidator(tx),

		fileTables: map[string]bool{},
	}
	err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM featuregate_registry.versions
		WHERE project = $1`, project).Scan(&st.version)
	if err != nil {
		return nil, dbError(err, "registry: read the version of project %q", project)
	}
	rows, err := tx.Query(ctx, `SELECT kind, definition FROM featuregate_registry.objects WHERE project = $1`, project)
	if err != nil {
		return nil, dbError(err, "registry: read project %q", project)
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var def []byte
		if err := rows.Scan(&kind, &def); err != nil {
			return nil, dbError(err, "registry: read project %q", project)
		}
		obj, err := decodeObject(Kind(kind), def)
		if err != nil {
			return nil, err
		}
		st.put(obj)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err, "registry: read project %q", project)
	}
	return st, nil
}

// write stores the objects the changes touched: deletions first, so that a
// name freed by a DROP can be taken by an object of another kind.
func (st *state) write(ctx context.Context, tx pgx.Tx) error {
	keys := make([]objKey, 0, len(st.touched))
	for k := range st.touched {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b objKey) int {
		if c := strings.Compare(string(a.kind), string(b.kind)); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	for _, k := range keys {
		if _, present := st.get(k.kind, k.name); present && !st.touched[k] {
			continue
		}
		if _, err := tx.Exec(ctx, `DELETE FROM featuregate_registry.objects
			WHERE project = $1 AND kind = $2 AND name = $3`, st.project, string(k.kind), k.name); err != nil {
			return dbError(err, "registry: drop %s %q", noun(k.kind), k.name)
		}
	}
	for _, k := range keys {
		obj, present := st.get(k.kind, k.name)
		if !present {
			continue
		}
		def, err := encodeObject(obj)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO featuregate_registry.objects (project, kind, name, definition)
			VALUES ($1, $2, $3, $4)
			ON CONFLICT (project, kind, name)
			DO UPDATE SET definition = EXCLUDED.definition, updated_at = clock_timestamp()`,
			st.project, string(k.kind), k.name, string(def)); err != nil {
			return dbError(err, "registry: store %s %q", noun(k.kind), k.name)
		}
	}
	return nil
}

// touch records that the object k changed, keeping a deletion mark.
func (st *state) touch(k objKey) {
	if _, ok := st.touched[k]; !ok {
		st.touched[k] = false
	}
}

func (st *state) put(obj Object) {
	switch o := obj.(type) {
	case *Entity:
		st.entities[o.Name] = o
	case *Source:
		st.sources[o.Name] = o
	case *FeatureView:
		st.views[o.Name] = o
	case *FeatureService:
		st.services[o.Name] = o
	case *Permission:
		st.perms[o.Name] = o
	}
}

func (st *state) remove(kind Kind, name string) {
	switch kind {
	case KindEntity:
		delete(st.entities, name)
	case KindSource:
		delete(st.sources, name)
	case KindFeatureView:
		delete(st.views, name)
	case KindFeatureService:
		delete(st.services, name)
	case KindPermission:
		delete(st.perms, name)
	}
}

func (st *state) get(kind Kind, name string) (Object, bool) {
	switch kind {
	case KindEntity:
		if o, ok := st.entities[name]; ok {
			return o, true
		}
	case KindSource:
		if o, ok := st.sources[name]; ok {
			return o, true
		}
	case KindFeatureView:
		if o, ok := st.views[name]; ok {
			return o, true
		}
	case KindFeatureService:
		if o, ok := st.services[name]; ok {
			return o, true
		}
	case KindPermission:
		if o, ok := st.perms[name]; ok {
			return o, true
		}
	}
	return nil, false
}

// lookup finds the object named name in kind's namespace: feature views
// and feature services share one.
func (st *state) lookup(kind Kind, name string) (Object, bool) {
	if o, ok := st.get(kind, name); ok {
		return o, true
	}
	switch kind {
	case KindFeatureView:
		return st.get(KindFeatureService, name)
	case KindFeatureService:
		return st.get(KindFeatureView, name)
	}
	return nil, false
}

func validKind(k Kind) bool {
	switch k {
	case KindEntity, KindSource, KindFeatureView, KindFeatureService, KindPermission:
		return true
	}
	return false
}

// noun is how messages name a kind: "feature view".
func noun(k Kind) string { return strings.ToLower(string(k)) }

// apply validates c against the state and, when valid, applies it.
func (st *state) apply(ctx context.Context, c Change) error {
	switch c.Op {
	case OpCreate, OpCreateOrReplace:
		return st.create(ctx, c)
	case OpDrop, OpDropIfExists:
		return st.drop(c)
	case OpComment:
		return st.comment(c)
	case OpSetStreaming:
		return st.setStreaming(c)
	}
	return featuregate.Errorf(featuregate.KindInternal, "registry: invalid change operation %v", c.Op)
}

func (st *state) create(ctx context.Context, c Change) error {
	if c.Object == nil {
		return featuregate.Errorf(featuregate.KindInternal, "registry: %v without an object", c.Op)
	}
	if !validKind(c.Object.Kind()) {
		return featuregate.Errorf(featuregate.KindInternal, "registry: unknown object kind %q", c.Object.Kind())
	}
	obj, err := clone(c.Object) // the state must not share the caller's object
	if err != nil {
		return err
	}
	kind, name := obj.Kind(), obj.ObjectName()
	if name == "" {
		return featuregate.Errorf(featuregate.KindInvalid, "%s name must not be empty", noun(kind))
	}
	old, exists := st.lookup(kind, name)
	if exists && old.Kind() != kind {
		return featuregate.Errorf(featuregate.KindDuplicate, "%s %q already exists", noun(old.Kind()), name).
			WithHint("Feature views and feature services share one namespace; choose another name.")
	}
	if exists && c.Op == OpCreate {
		return featuregate.Errorf(featuregate.KindDuplicate, "%s %q already exists", noun(kind), name).
			WithHint("Use CREATE OR REPLACE %s to change it.", kind)
	}
	if err := st.prepareFile(ctx, obj, old, c); err != nil {
		return err
	}
	if err := st.validate(ctx, obj); err != nil {
		return err
	}
	st.put(obj)
	st.touch(objKey{kind, name})
	if err := st.indexView(ctx, obj); err != nil {
		return err
	}
	if exists {
		return st.revalidateDependents(ctx, obj)
	}
	return nil
}

func (st *state) drop(c Change) error {
	if !validKind(c.Kind) {
		return featuregate.Errorf(featuregate.KindInternal, "registry: unknown object kind %q", c.Kind)
	}
	obj, ok := st.lookup(c.Kind, c.Name)
	if !ok {
		if c.Op == OpDropIfExists {
			return nil
		}
		return featuregate.Errorf(featuregate.KindUndefined, "%s %q does not exist", noun(c.Kind), c.Name)
	}
	if obj.Kind() != c.Kind {
		return wrongKind(obj, c.Kind, "DROP")
	}
	if deps := st.dependents(obj); len(deps) > 0 {
		what := noun(deps[0].Kind())
		names := make([]string, len(deps))
		for i, d := range deps {
			names[i] = fmt.Sprintf("%q", d.ObjectName())
		}
		verb := "depends"
		if len(deps) > 1 {
			what += "s"
			verb = "depend"
		}
		return featuregate.Errorf(featuregate.KindInvalid, "cannot drop %s %q because %s %s %s on it",
			noun(c.Kind), c.Name, what, strings.Join(names, ", "), verb).
			WithHint("Drop the %s %s first.", what, strings.Join(names, ", "))
	}
	if src, ok := obj.(*Source); ok && src.File != nil {
		st.fileTables[c.Name] = true
	}
	st.remove(c.Kind, c.Name)
	st.touched[objKey{c.Kind, c.Name}] = true
	return nil
}

func (st *state) comment(c Change) error {
	if !validKind(c.Kind) {
		return featuregate.Errorf(featuregate.KindInternal, "registry: unknown object kind %q", c.Kind)
	}
	obj, ok := st.lookup(c.Kind, c.Name)
	if !ok {
		return featuregate.Errorf(featuregate.KindUndefined, "%s %q does not exist", noun(c.Kind), c.Name)
	}
	if obj.Kind() != c.Kind {
		return wrongKind(obj, c.Kind, "COMMENT ON")
	}
	obj, err := clone(obj)
	if err != nil {
		return err
	}
	text := ""
	if c.Comment != nil {
		text = *c.Comment
	}
	switch o := obj.(type) {
	case *Entity:
		o.Comment = text
	case *Source:
		o.Comment = text
	case *FeatureView:
		o.Comment = text
	case *FeatureService:
		o.Comment = text
	}
	st.put(obj)
	st.touch(objKey{c.Kind, c.Name})
	return nil
}

// setStreaming turns the following of a table source on or off.
func (st *state) setStreaming(c Change) error {
	obj, ok := st.lookup(KindSource, c.Name)
	if !ok {
		return featuregate.Errorf(featuregate.KindUndefined, "source %q does not exist", c.Name)
	}
	src, isSource := obj.(*Source)
	if !isSource {
		return wrongKind(obj, KindSource, "ALTER")
	}
	if src.Table == "" && c.Streaming {
		return featuregate.Errorf(featuregate.KindInvalid, "source %q is a query: only a table source can stream", c.Name).
			WithHint("Define the source AS TABLE <table> to follow the table's changes, or keep running MATERIALIZE.")
	}
	cp := *src
	cp.Streaming = c.Streaming
	st.put(&cp)
	st.touch(objKey{KindSource, c.Name})
	return nil
}

func wrongKind(obj Object, want Kind, verb string) error {
	return featuregate.Errorf(featuregate.KindInvalid, "%q is a %s, not a %s", obj.ObjectName(), noun(obj.Kind()), noun(want)).
		WithHint("Use %s %s.", verb, obj.Kind())
}

// dependents returns the objects that reference obj, sorted by name: the
// feature views of an entity or source, the services of a feature view.
func (st *state) dependents(obj Object) []Object {
	var deps []Object
	switch o := obj.(type) {
	case *Entity:
		for _, v := range st.views {
			if v.Entity == o.Name {
				deps = append(deps, v)
			}
		}
	case *Source:
		for _, v := range st.views {
			if v.Source == o.Name {
				deps = append(deps, v)
			}
		}
	case *FeatureView:
		for _, s := range st.services {
			if slices.ContainsFunc(s.Features, func(r FeatureRef) bool { return r.View == o.Name }) {
				deps = append(deps, s)
			}
		}
	}
	sortByName(deps)
	return deps
}

// revalidateDependents checks, after obj replaced an object of its name,
// that every object depending on it is still valid.
func (st *state) revalidateDependents(ctx context.Context, obj Object) error {
	for _, d := range st.dependents(obj) {
		if err := st.validate(ctx, d); err != nil {
			fe := &featuregate.Error{
				Kind: featuregate.KindInvalid,
				Message: fmt.Sprintf("cannot replace %s %q because %s %q depends on it",
					noun(obj.Kind()), obj.ObjectName(), noun(d.Kind()), d.ObjectName()),
				Detail: err.Error(),
				Hint:   fmt.Sprintf("Change or drop %s %q first.", noun(d.Kind()), d.ObjectName()),
				Err:    err,
			}
			return fe
		}
	}
	return nil
}
