// Package lookup plans and answers online lookups: the latest values of
// features for entity keys, read from the online store.
//
// Reader.Lookup answers the front ends' requests (Feast's
// get-online-features: a feature relation or view:feature references,
// and rows of keys). Reader.Statement plans a SELECT that reads a feature
// relation without AS OF, which is a lookup by key:
//
//	SELECT cols | * FROM rel [alias] WHERE key = v | key IN (v, …) | key = ANY(v)
//
// with v a constant or a parameter; any other read of a feature relation
// without AS OF is refused with a hint. Either way the result has one row
// per requested key, in request order, with NULLs where the online store
// has no value or the value is older than the view's TTL. A prepared
// lookup is planned again when the project's catalog changes, and refused,
// as PostgreSQL refuses it, when its columns would change.
package lookup
