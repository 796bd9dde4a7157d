package catalog

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/featuregate/featuregate"
)

// schemaSQL creates the registry's schema and tables; see schema.sql.
//
//go:embed schema.sql
var schemaSQL string

// schemaVersion is the registry layout this code reads and writes.
const schemaVersion = "1"

// Store is the registry, in a schema of its own (featuregate_registry) on
// the offline PostgreSQL, so that every gateway using that database shares
// one truth. Its tables (schema.sql) are:
//
//   - objects(project, kind, name, namespace, definition jsonb, created_at,
//     updated_at): one row per definition, primary key (project, kind, name).
//     namespace is "entity", "source" or "relation" (feature views and
//     feature services), unique per project and name: a view and a service
//     may not share a name.
//   - versions(project, version, who, at, statement): one row per applied
//     change set; a project's version is its greatest version (0 if none).
//   - meta(key, value): the layout version.
//
// Apply takes a per-project advisory transaction lock, so that gateways
// applying to one project at once serialise and versions strictly increase.
// A Store is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
}

// Open connects to the offline PostgreSQL at dsn and creates the registry's
// schema and tables if they are missing. Several gateways may Open the same
// database at once.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, &featuregate.Error{Kind: featuregate.KindInvalid,
			Message: "registry: invalid offline store DSN", Err: err}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, dbError(err, "registry: connect to the offline store")
	}
	if err := ensureSchema(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{pool: pool}, nil
}

// Close closes the Store's connections.
func (s *Store) Close() { s.pool.Close() }

// ensureSchema creates the registry tables unless they exist already, and
// refuses a layout newer than this code's.
func ensureSchema(ctx context.Context, pool *pgxpool.Pool) error {
	ok, err := schemaReady(ctx, pool)
	if err != nil || ok {
		return err
	}
	for attempt := 0; ; attempt++ {
		err = createSchema(ctx, pool)
		if err == nil || !isRace(err) || attempt == 4 {
			break
		}
		time.Sleep(time.Duration(10+rand.IntN(50)) * time.Millisecond)
	}
	if err != nil {
		return dbError(err, "registry: create schema featuregate_registry")
	}
	_, err = schemaReady(ctx, pool)
	return err
}

// schemaReady reports whether the registry tables exist, and fails when
// their layout is newer than this code's.
func schemaReady(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	var exists bool
	err := pool.QueryRow(ctx, `SELECT to_regclass('featuregate_registry.meta') IS NOT NULL
		AND to_regclass('featuregate_registry.objects') IS NOT NULL
		AND to_regclass('featuregate_registry.versions') IS NOT NULL`).Scan(&exists)
	if err != nil {
		return false, dbError(err, "registry: look for schema featuregate_registry")
	}
	if !exists {
		return false, nil
	}
	var v string
	err = pool.QueryRow(ctx, `SELECT value FROM featuregate_registry.meta WHERE key = 'schema_version'`).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, dbError(err, "registry: read the registry's layout version")
	}
	if v != schemaVersion {
		return false, featuregate.Errorf(featuregate.KindUnsupported,
			"registry: schema featuregate_registry has layout version %s; this featuregate reads version %s", v, schemaVersion).
			WithHint("Upgrade featuregate.")
	}
	return true, nil
}

func createSchema(ctx context.Context, pool *pgxpool.Pool) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('featuregate:registry-schema', 0))`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, schemaSQL); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// isRace reports an error from losing a race with another gateway creating
// the same catalog objects.
func isRace(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "23505", "42P06", "42P07", "42710", "40001", "40P01":
		return true
	}
	return false
}

// dbError wraps an error from the registry's own queries: a refused
// privilege is KindPermission, any other PostgreSQL error KindInternal, and
// a failure to talk to PostgreSQL at all KindUnavailable.
func dbError(err error, format string, args ...any) error {
	var fe *featuregate.Error
	if errors.As(err, &fe) {
		return err
	}
	kind := featuregate.KindUnavailable
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		kind = featuregate.KindInternal
		if pe.Code == "42501" {
			kind = featuregate.KindPermission
		}
	}
	return &featuregate.Error{Kind: kind, Message: fmt.Sprintf(format, args...), Err: err}
}

// Op is what a Change does.
type Op int

// The operations of a Change. The zero Op is invalid.
const (
	OpCreate          Op = iota + 1 // CREATE: the name must be free
	OpCreateOrReplace               // CREATE OR REPLACE
	OpDrop                          // DROP: the object must exist
	OpDropIfExists                  // DROP … IF EXISTS
	OpComment                       // COMMENT ON
)

// String returns the statement form of the operation, such as "DROP IF EXISTS".
func (o Op) String() string {
	switch o {
	case OpCreate:
		return "CREATE"
	case OpCreateOrReplace:
		return "CREATE OR REPLACE"
	case OpDrop:
		return "DROP"
	case OpDropIfExists:
		return "DROP IF EXISTS"
	case OpComment:
		return "COMMENT ON"
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

// Change is one step of an Apply.
type Change struct {
	Op Op
	// Object is the definition that OpCreate and OpCreateOrReplace store.
	Object Object
	// Kind and Name name the object of OpDrop, OpDropIfExists and OpComment.
	Kind Kind
	Name string
	// Comment is OpComment's new comment; nil removes the comment.
	Comment *string
}

// Snapshot is a project's registry at one version, each list sorted by name.
type Snapshot struct {
	Project  string
	Version  int64
	Entities []*Entity
	Sources  []*Source
	Views    []*FeatureView
	Services []*FeatureService
}

// HistoryEntry is one applied change set.
type HistoryEntry struct {
	Version   int64
	Who       string
	At        time.Time
	Statement string
}

// Apply validates and applies changes to project, in order, in one
// transaction: all of them or none. who is the user and statement the SQL
// text that the history records. It returns the project's new version; when
// no change has any effect (DROP IF EXISTS of missing objects, or no changes)
// it records nothing and returns the current version.
func (s *Store) Apply(ctx context.Context, project, who, statement string, changes []Change) (int64, error) {
	if err := checkProject(project); err != nil {
		return 0, err
	}
	if len(changes) == 0 {
		return s.Version(ctx, project)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, dbError(err, "registry: begin")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('featuregate:' || $1, 0))`, project); err != nil {
		return 0, dbError(err, "registry: lock project %q", project)
	}
	st, err := loadState(ctx, tx, project)
	if err != nil {
		return 0, err
	}
	for _, c := range changes {
		if err := st.apply(ctx, c); err != nil {
			return 0, err
		}
	}
	if len(st.touched) == 0 {
		return st.version, nil
	}
	if err := st.write(ctx, tx); err != nil {
		return 0, err
	}
	if err := syncRelations(ctx, tx, st); err != nil {
		return 0, err
	}
	version := st.version + 1
	if _, err := tx.Exec(ctx, `INSERT INTO featuregate_registry.versions (project, version, who, at, statement)
		VALUES ($1, $2, $3, clock_timestamp(), $4)`, project, version, who, statement); err != nil {
		return 0, dbError(err, "registry: record version %d of project %q", version, project)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, dbError(err, "registry: commit version %d of project %q", version, project)
	}
	return version, nil
}

// Check validates changes as Apply would, against project's registry and
// the offline store, and changes nothing.
func (s *Store) Check(ctx context.Context, project string, changes []Change) error {
	if err := checkProject(project); err != nil {
		return err
	}
	if len(changes) == 0 {
		return nil
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return dbError(err, "registry: begin")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	st, err := loadState(ctx, tx, project)
	if err != nil {
		return err
	}
	for _, c := range changes {
		if err := st.apply(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// Version returns project's registry version: 0 for a project with no
// history. It is one index lookup, so a gateway may call it often to notice
// another gateway's changes.
func (s *Store) Version(ctx context.Context, project string) (int64, error) {
	var v int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM featuregate_registry.versions
		WHERE project = $1`, project).Scan(&v)
	if err != nil {
		return 0, dbError(err, "registry: read the version of project %q", project)
	}
	return v, nil
}

// Snapshot returns project's definitions and the version they belong to,
// read at one instant. An unknown project gives an empty Snapshot at
// version 0.
func (s *Store) Snapshot(ctx context.Context, project string) (*Snapshot, error) {
	rows, err := s.pool.Query(ctx, `SELECT v.version, o.kind, o.definition
		FROM (SELECT coalesce(max(version), 0) AS version FROM featuregate_registry.versions
		      WHERE project = $1) AS v
		LEFT JOIN featuregate_registry.objects AS o ON o.project = $1`, project)
	if err != nil {
		return nil, dbError(err, "registry: read project %q", project)
	}
	defer rows.Close()
	snap := &Snapshot{Project: project}
	for rows.Next() {
		var kind *string
		var def []byte
		if err := rows.Scan(&snap.Version, &kind, &def); err != nil {
			return nil, dbError(err, "registry: read project %q", project)
		}
		if kind == nil {
			continue
		}
		obj, err := decodeObject(Kind(*kind), def)
		if err != nil {
			return nil, err
		}
		switch o := obj.(type) {
		case *Entity:
			snap.Entities = append(snap.Entities, o)
		case *Source:
			snap.Sources = append(snap.Sources, o)
		case *FeatureView:
			snap.Views = append(snap.Views, o)
		case *FeatureService:
			snap.Services = append(snap.Services, o)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err, "registry: read project %q", project)
	}
	sortByName(snap.Entities)
	sortByName(snap.Sources)
	sortByName(snap.Views)
	sortByName(snap.Services)
	return snap, nil
}

func sortByName[T Object](objs []T) {
	slices.SortFunc(objs, func(a, b T) int { return strings.Compare(a.ObjectName(), b.ObjectName()) })
}

// Projects returns the names of the projects that have a history, sorted.
func (s *Store) Projects(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT project FROM featuregate_registry.versions ORDER BY project`)
	if err != nil {
		return nil, dbError(err, "registry: list projects")
	}
	projects, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, dbError(err, "registry: list projects")
	}
	slices.Sort(projects) // byte order, whatever the database's collation
	return projects, nil
}

// History returns project's applied change sets, oldest first.
func (s *Store) History(ctx context.Context, project string) ([]HistoryEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT version, who, at, statement FROM featuregate_registry.versions
		WHERE project = $1 ORDER BY version`, project)
	if err != nil {
		return nil, dbError(err, "registry: read the history of project %q", project)
	}
	h, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (HistoryEntry, error) {
		var e HistoryEntry
		err := r.Scan(&e.Version, &e.Who, &e.At, &e.Statement)
		return e, err
	})
	if err != nil {
		return nil, dbError(err, "registry: read the history of project %q", project)
	}
	return h, nil
}

func checkProject(project string) error {
	if project == "" {
		return featuregate.Errorf(featuregate.KindInvalid, "registry: the project name is empty")
	}
	return nil
}

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
	// touched records the objects changed, true for those deleted at some
	// point (so that a re-created object is written afresh).
	touched map[objKey]bool
	v       *validator
}

func loadState(ctx context.Context, tx pgx.Tx, project string) (*state, error) {
	st := &state{
		project:  project,
		entities: map[string]*Entity{},
		sources:  map[string]*Source{},
		views:    map[string]*FeatureView{},
		services: map[string]*FeatureService{},
		touched:  map[objKey]bool{},
		v:        newValidator(tx),
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
	case KindEntity, KindSource, KindFeatureView, KindFeatureService:
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
	if err := st.validate(ctx, obj); err != nil {
		return err
	}
	st.put(obj)
	st.touch(objKey{kind, name})
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

// The JSON forms of the definitions, kept apart from the catalog types so
// that the stored format is stable whatever those types become.
type (
	columnJSON struct {
		Name string `json:"name"`
		Type string `json:"type"`
	}
	entityJSON struct {
		Name    string       `json:"name"`
		Keys    []columnJSON `json:"keys"`
		Comment string       `json:"comment,omitempty"`
	}
	sourceJSON struct {
		Name            string `json:"name"`
		TimestampColumn string `json:"timestamp_column"`
		CreatedColumn   string `json:"created_column,omitempty"`
		Query           string `json:"query,omitempty"`
		Table           string `json:"table,omitempty"`
		Comment         string `json:"comment,omitempty"`
	}
	featureJSON struct {
		Name  string `json:"name"`
		Type  string `json:"type"`
		Check string `json:"check,omitempty"`
	}
	tagJSON struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	viewJSON struct {
		Name     string        `json:"name"`
		Features []featureJSON `json:"features"`
		Entity   string        `json:"entity"`
		Source   string        `json:"source"`
		TTL      string        `json:"ttl,omitempty"`
		Online   bool          `json:"online"`
		Tags     []tagJSON     `json:"tags,omitempty"`
		Comment  string        `json:"comment,omitempty"`
	}
	refJSON struct {
		View    string `json:"view"`
		Feature string `json:"feature"`
	}
	serviceJSON struct {
		Name     string    `json:"name"`
		Features []refJSON `json:"features"`
		Comment  string    `json:"comment,omitempty"`
	}
)

func encodeObject(obj Object) ([]byte, error) {
	var w any
	switch o := obj.(type) {
	case *Entity:
		e := entityJSON{Name: o.Name, Comment: o.Comment, Keys: []columnJSON{}}
		for _, k := range o.Keys {
			e.Keys = append(e.Keys, columnJSON(k))
		}
		w = e
	case *Source:
		w = sourceJSON(*o)
	case *FeatureView:
		v := viewJSON{Name: o.Name, Entity: o.Entity, Source: o.Source, TTL: o.TTL,
			Online: o.Online, Comment: o.Comment, Features: []featureJSON{}}
		for _, f := range o.Features {
			v.Features = append(v.Features, featureJSON(f))
		}
		for _, t := range o.Tags {
			v.Tags = append(v.Tags, tagJSON(t))
		}
		w = v
	case *FeatureService:
		s := serviceJSON{Name: o.Name, Comment: o.Comment, Features: []refJSON{}}
		for _, r := range o.Features {
			s.Features = append(s.Features, refJSON(r))
		}
		w = s
	default:
		return nil, featuregate.Errorf(featuregate.KindInternal, "registry: cannot store a %T", obj)
	}
	b, err := json.Marshal(w)
	if err != nil {
		return nil, &featuregate.Error{Kind: featuregate.KindInternal, Message: "registry: encode definition", Err: err}
	}
	return b, nil
}

func decodeObject(kind Kind, data []byte) (Object, error) {
	bad := func(err error) error {
		return &featuregate.Error{Kind: featuregate.KindInternal,
			Message: fmt.Sprintf("registry: corrupt %s definition", noun(kind)), Err: err}
	}
	switch kind {
	case KindEntity:
		var e entityJSON
		if err := json.Unmarshal(data, &e); err != nil {
			return nil, bad(err)
		}
		o := &Entity{Name: e.Name, Comment: e.Comment}
		for _, k := range e.Keys {
			o.Keys = append(o.Keys, Column(k))
		}
		return o, nil
	case KindSource:
		var s sourceJSON
		if err := json.Unmarshal(data, &s); err != nil {
			return nil, bad(err)
		}
		o := Source(s)
		return &o, nil
	case KindFeatureView:
		var v viewJSON
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, bad(err)
		}
		o := &FeatureView{Name: v.Name, Entity: v.Entity, Source: v.Source, TTL: v.TTL,
			Online: v.Online, Comment: v.Comment}
		for _, f := range v.Features {
			o.Features = append(o.Features, Feature(f))
		}
		for _, t := range v.Tags {
			o.Tags = append(o.Tags, Tag(t))
		}
		return o, nil
	case KindFeatureService:
		var s serviceJSON
		if err := json.Unmarshal(data, &s); err != nil {
			return nil, bad(err)
		}
		o := &FeatureService{Name: s.Name, Comment: s.Comment}
		for _, r := range s.Features {
			o.Features = append(o.Features, FeatureRef(r))
		}
		return o, nil
	}
	return nil, bad(fmt.Errorf("unknown kind %q", kind))
}

// clone returns a deep copy of obj, through its stored form.
func clone(obj Object) (Object, error) {
	b, err := encodeObject(obj)
	if err != nil {
		return nil, err
	}
	return decodeObject(obj.Kind(), b)
}

// Find returns the object of that kind and name, or nil.
func (sn *Snapshot) Find(kind Kind, name string) Object {
	switch kind {
	case KindEntity:
		return findByName(sn.Entities, name)
	case KindSource:
		return findByName(sn.Sources, name)
	case KindFeatureView:
		return findByName(sn.Views, name)
	case KindFeatureService:
		return findByName(sn.Services, name)
	}
	return nil
}

func findByName[T Object](objs []T, name string) Object {
	for _, o := range objs {
		if o.ObjectName() == name {
			return o
		}
	}
	return nil
}

// Objects returns every object of the snapshot in dependency order:
// entities, sources, feature views, feature services.
func (sn *Snapshot) Objects() []Object {
	out := make([]Object, 0, len(sn.Entities)+len(sn.Sources)+len(sn.Views)+len(sn.Services))
	for _, e := range sn.Entities {
		out = append(out, e)
	}
	for _, s := range sn.Sources {
		out = append(out, s)
	}
	for _, v := range sn.Views {
		out = append(out, v)
	}
	for _, s := range sn.Services {
		out = append(out, s)
	}
	return out
}
