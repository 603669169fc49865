// Package openapi serves /openapi/v3: the OpenAPI 3.0 documents of the
// served resources, one per group version, generated at start-up by
// reflection over the real k8s.io/api Go types; and /openapi/v2, the one
// Swagger 2.0 document of all their schemas, in JSON and in the protobuf
// client-go asks for.
//
// kube-apiserver generates these documents from Go source (kube-openapi's
// openapi-gen); ownkube derives the same shape from the types themselves:
// each named struct becomes a component schema named after its Go package
// (k8s.io/api/core/v1.Pod → io.k8s.api.core.v1.Pod), fields are properties
// by their json names, descriptions come from the types' generated
// SwaggerDoc methods, and the patchStrategy and patchMergeKey struct tags
// become x-kubernetes-patch-strategy and x-kubernetes-patch-merge-key.
//
// # What kubectl needs from these documents
//
// kubectl fetches the index at /openapi/v3, then the document of the group
// version it is working with, by the URL the index names (which carries a
// content hash, so the document may be cached for good). From that
// document it needs three things:
//
//  1. Server-side field validation. Before `kubectl apply` or `create`
//     sends ?fieldValidation=Strict, it looks for the PATCH operation that
//     carries the kind's x-kubernetes-group-version-kind and checks that
//     the operation lists a fieldValidation query parameter. Without it,
//     or for what is no served kind (a kind: List), kubectl validates on
//     the client against /openapi/v2.
//  2. Strategic merge patches. `kubectl apply` finds the component schema
//     whose x-kubernetes-group-version-kind names the kind, and walks it
//     (through $ref and allOf) to learn, for instance, that
//     spec.containers merges by name. Without the patch extensions an apply
//     that changes one container's image would replace the whole list.
//  3. Documentation. `kubectl explain pod.spec` prints the descriptions and
//     types of the same schemas.
//
// NewHandler builds every document once and serves it from memory; the
// API server mounts it at /openapi/. kubectl uses v3 whenever the server
// offers it, and v2 for client-side validation and for
// `explain --output=plaintext-openapiv2`.
package openapi
