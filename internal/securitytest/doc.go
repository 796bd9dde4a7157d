// Package securitytest attacks a real gateway, over a real PostgreSQL that
// asks every role for its password, the way a client would to leave the
// role its session logs in as: statements that reset or set the role
// (directly, through functions that run SQL text, through bind parameters,
// through a string the gateway and PostgreSQL read differently), startup
// parameters, server programs and files, secrets, the registry, grants,
// and sources that write when materialized. The suite runs for two owners
// of the offline database: a superuser, and a role with CREATEROLE alone.
// Every attack must fail or be harmless, no session may run as the owner,
// and the owner must find nothing written.
package securitytest
