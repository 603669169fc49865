package apiserver

import (
	"net/http"
	"slices"
	"strings"

	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/user"
	genericrequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/utils/ptr"
)

// authenticationGV serves one resource, selfsubjectreviews: POST one and
// the answer says who the server takes the caller for (`kubectl auth
// whoami`). Nothing is stored, so it lives beside the table of stored
// resources (components/api), not in it.
var authenticationGV = schema.GroupVersion{Group: authenticationv1.GroupName, Version: "v1"}

var selfSubjectReviews = metav1.APIResource{
	Name: "selfsubjectreviews", SingularName: "selfsubjectreview", Kind: "SelfSubjectReview", Verbs: []string{"create"},
}

// serveAuthentication answers /apis/authentication.k8s.io/...: its
// discovery, and the creation of a SelfSubjectReview.
func (s *Server) serveAuthentication(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 2:
		writeObject(w, http.StatusOK, ptr.To(apiGroup(authenticationGV, r)))
	case len(parts) == 3 && parts[2] == authenticationGV.Version:
		writeObject(w, http.StatusOK, &metav1.APIResourceList{
			GroupVersion: authenticationGV.String(), APIResources: []metav1.APIResource{selfSubjectReviews}})
	case len(parts) == 4 && parts[2] == authenticationGV.Version && parts[3] == selfSubjectReviews.Name:
		if r.Method != http.MethodPost {
			writeError(w, apierrors.NewMethodNotSupported(authenticationGV.WithResource(selfSubjectReviews.Name).GroupResource(), strings.ToLower(r.Method)))
			return
		}
		s.createSelfSubjectReview(w, r)
	default:
		writeError(w, notFoundPath(r.URL.Path))
	}
}

// createSelfSubjectReview answers the caller's user as the authenticator
// found it. A server that authenticates no one takes every caller for
// anonymous, as kube's with --anonymous-auth would.
func (s *Server) createSelfSubjectReview(w http.ResponseWriter, r *http.Request) {
	if _, err := readBody(w, r); err != nil {
		writeError(w, err)
		return
	}
	u, ok := genericrequest.UserFrom(r.Context())
	if !ok {
		u = &user.DefaultInfo{Name: user.Anonymous, Groups: []string{user.AllUnauthenticated}}
	}
	info := authenticationv1.UserInfo{Username: u.GetName(), UID: u.GetUID(), Groups: slices.Clone(u.GetGroups())}
	for k, v := range u.GetExtra() {
		if info.Extra == nil {
			info.Extra = map[string]authenticationv1.ExtraValue{}
		}
		info.Extra[k] = v
	}
	review := &authenticationv1.SelfSubjectReview{
		TypeMeta:   metav1.TypeMeta{APIVersion: authenticationGV.String(), Kind: selfSubjectReviews.Kind},
		ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.Now()},
		Status:     authenticationv1.SelfSubjectReviewStatus{UserInfo: info},
	}
	writeJSON(w, http.StatusCreated, review)
}
