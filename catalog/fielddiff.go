package catalog

import (
	"fmt"
	"slices"
	"strings"
)

// FieldChanges describes how now differs from was, two definitions of one
// object, one line per changed field, as plan shows a replaced object
// (Feast's plan shows field diffs): a feature view's features added,
// dropped or retyped, its entity, source, TTL, ONLINE, tags and comment; for
// other kinds, the definition before and after.
func FieldChanges(was, now Object) []string {
	if ws, ok := was.(*FeatureService); ok {
		if ns, ok := now.(*FeatureService); ok {
			return serviceChanges(ws, ns)
		}
	}
	if fileChanged(was, now) && withoutComment(was).SQL() == withoutComment(now).SQL() {
		return append(fileChanges(was.(*Source).File, now.(*Source).File), commentChange(was, now)...)
	}
	wv, ok1 := was.(*FeatureView)
	nv, ok2 := now.(*FeatureView)
	if !ok1 || !ok2 {
		if was.SQL() == now.SQL() {
			return nil
		}
		return []string{"was: " + was.SQL(), "now: " + now.SQL()}
	}
	var out []string
	out = append(out, featureChanges(wv.Features, nv.Features)...)
	field := func(name, a, b string) {
		if a != b {
			out = append(out, fmt.Sprintf("%s: %s -> %s", name, orNone(a), orNone(b)))
		}
	}
	field("entity", wv.Entity, nv.Entity)
	field("source", wv.Source, nv.Source)
	field("ttl", wv.TTL, nv.TTL)
	field("online", fmt.Sprint(wv.Online), fmt.Sprint(nv.Online))
	field("tags", tagsText(wv.Tags), tagsText(nv.Tags))
	field("comment", wv.Comment, nv.Comment)
	return out
}

// featureChanges lists features added (+), dropped (-) and changed (~).
func featureChanges(was, now []Feature) []string {
	var out []string
	for _, f := range now {
		i := slices.IndexFunc(was, func(g Feature) bool { return g.Name == f.Name })
		switch {
		case i < 0:
			out = append(out, "+ feature "+featureText(f))
		case was[i] != f:
			out = append(out, fmt.Sprintf("~ feature %s -> %s", featureText(was[i]), featureText(f)))
		}
	}
	for _, f := range was {
		if !slices.ContainsFunc(now, func(g Feature) bool { return g.Name == f.Name }) {
			out = append(out, "- feature "+featureText(f))
		}
	}
	return out
}

func featureText(f Feature) string {
	s := f.Name + " " + f.Type
	if f.Check != "" {
		s += " CHECK (" + f.Check + ")"
	}
	return s
}

func tagsText(tags []Tag) string {
	var parts []string
	for _, t := range tags {
		parts = append(parts, t.Key+"="+t.Value)
	}
	return strings.Join(parts, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// serviceChanges lists the feature references a service gains (+) and
// loses (-), and a changed comment.
func serviceChanges(was, now *FeatureService) []string {
	ref := func(r FeatureRef) string { return r.View + "." + r.Feature }
	var out []string
	for _, r := range now.Features {
		if !slices.Contains(was.Features, r) {
			out = append(out, "+ "+ref(r))
		}
	}
	for _, r := range was.Features {
		if !slices.Contains(now.Features, r) {
			out = append(out, "- "+ref(r))
		}
	}
	if was.Comment != now.Comment {
		out = append(out, fmt.Sprintf("comment: %s -> %s", orNone(was.Comment), orNone(now.Comment)))
	}
	return out
}
