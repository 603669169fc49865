package kubectl

import (
	"errors"
	"net/url"
	"syscall"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestMessage(t *testing.T) {
	notFound := apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, "x")
	refused := &url.Error{Op: "Get", URL: "http://127.0.0.1:6443/api", Err: syscall.ECONNREFUSED}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{notFound, `Error from server (NotFound): pods "x" not found`},
		{withSource("creating", "pod.yaml", notFound), `Error from server (NotFound): error when creating "pod.yaml": pods "x" not found`},
		{refused, `the connection to the server 127.0.0.1:6443 was refused: is the cluster up?`},
		{errors.New("plain"), "plain"},
		{errorList{notFound, errors.New("plain")}, "Error from server (NotFound): pods \"x\" not found\nplain"},
	} {
		if got := Message(tc.err); got != tc.want {
			t.Errorf("Message(%v)\n got %s\nwant %s", tc.err, got, tc.want)
		}
	}
	if !apierrors.IsNotFound(errorList{errors.New("plain"), notFound}) {
		t.Error("an errorList hides the errors it holds")
	}
}
