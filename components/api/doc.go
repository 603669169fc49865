// Package api says what the API server serves: the scheme of real Kubernetes
// types, the table of resources (their kinds, scopes, short names and
// subresources), and each kind's strategy — the defaulting, validation and
// update rules in which kinds differ. Everything else in the server is
// generic over this table.
package api
