// Package catalogview is what the planner's packages know of a project's
// catalog: a View, an immutable snapshot of the registry with the names of
// its feature relations and which sources are indexed, and a Cache that
// keeps one View per project fresh without taking a lock on the hot path.
//
// It also holds what several of those packages derive from the catalog
// alike: the name a feature view's values have in the online store
// (OnlineName), a view's TTL as a duration (TTL), a view described for
// package pit (View.PitView), and the resolution of a feature column
// name (ResolveColumn).
package catalogview
