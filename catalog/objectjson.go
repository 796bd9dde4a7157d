package catalog

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/featuregate/featuregate"
)

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
		Name            string    `json:"name"`
		TimestampColumn string    `json:"timestamp_column"`
		CreatedColumn   string    `json:"created_column,omitempty"`
		Query           string    `json:"query,omitempty"`
		Table           string    `json:"table,omitempty"`
		File            *fileJSON `json:"file,omitempty"`
		Comment         string    `json:"comment,omitempty"`
		Streaming       bool      `json:"streaming,omitempty"`
	}
	fileJSON struct {
		Path    string    `json:"path"`
		Format  string    `json:"format"`
		Files   int       `json:"files"`
		Size    int64     `json:"size"`
		ModTime time.Time `json:"mtime"`
		SHA256  string    `json:"sha256"`
		Rows    int64     `json:"rows"`
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
	permissionJSON struct {
		Name    string    `json:"name"`
		Kinds   []string  `json:"kinds"`
		Pattern string    `json:"pattern,omitempty"`
		Tags    []tagJSON `json:"tags,omitempty"`
		Actions []string  `json:"actions"`
		Roles   []string  `json:"roles"`
		Comment string    `json:"comment,omitempty"`
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
		s := sourceJSON{Name: o.Name, TimestampColumn: o.TimestampColumn, CreatedColumn: o.CreatedColumn,
			Query: o.Query, Table: o.Table, Comment: o.Comment, Streaming: o.Streaming}
		if o.File != nil {
			f := fileJSON(*o.File)
			s.File = &f
		}
		w = s
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
	case *Permission:
		w = encodePermission(o)
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
		o := &Source{Name: s.Name, TimestampColumn: s.TimestampColumn, CreatedColumn: s.CreatedColumn,
			Query: s.Query, Table: s.Table, Comment: s.Comment, Streaming: s.Streaming}
		if s.File != nil {
			f := SourceFile(*s.File)
			o.File = &f
		}
		return o, nil
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
	case KindPermission:
		var p permissionJSON
		if err := json.Unmarshal(data, &p); err != nil {
			return nil, bad(err)
		}
		return decodePermission(p), nil
	}
	return nil, bad(fmt.Errorf("unknown kind %q", kind))
}

func encodePermission(p *Permission) permissionJSON {
	w := permissionJSON{Name: p.Name, Pattern: p.Pattern, Actions: p.Actions, Roles: p.Roles, Comment: p.Comment}
	for _, k := range p.Kinds {
		w.Kinds = append(w.Kinds, string(k))
	}
	for _, t := range p.Tags {
		w.Tags = append(w.Tags, tagJSON(t))
	}
	return w
}

func decodePermission(w permissionJSON) *Permission {
	p := &Permission{Name: w.Name, Pattern: w.Pattern, Actions: w.Actions, Roles: w.Roles, Comment: w.Comment}
	for _, k := range w.Kinds {
		p.Kinds = append(p.Kinds, Kind(k))
	}
	for _, t := range w.Tags {
		p.Tags = append(p.Tags, Tag(t))
	}
	return p
}

// clone returns a deep copy of obj, through its stored form.
func clone(obj Object) (Object, error) {
	b, err := encodeObject(obj)
	if err != nil {
		return nil, err
	}
	return decodeObject(obj.Kind(), b)
}
