package kubelet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/ownkube/ownkube/components/api"
)

// DefaultPushTimeout bounds how long a PUT waits for the pod's containers
// to start, and a DELETE for the pod to go, unless ?timeout= says otherwise.
const DefaultPushTimeout = 60 * time.Second

// maxPodBytes bounds a pushed manifest, as the API server bounds a body.
const maxPodBytes = 1 << 20

// Routes serves the node's pod API, the whole API of a node in the
// coupled stages (no API server runs there):
//
//	PUT    /pods/{namespace}/{name}  run the pod (JSON or YAML); answers with it
//	                                 and its status once its containers started
//	GET    /pods                     every pod of the node, a v1 PodList
//	GET    /pods/{namespace}/{name}  one pod
//	DELETE /pods/{namespace}/{name}  tear it down; answers once it is gone
//
// Errors are Kubernetes Status objects: 400 for a body that is no pod, 404,
// 409 for a different pod of the same name, 422 for an invalid pod, 501 for
// a stub of the learner's, 504 when the node did not finish in time.
// The kubelet adds GET /pods/{namespace}/{name}/log beside them.
func (s *PushSource) Routes(mux *http.ServeMux) {
	mux.HandleFunc("PUT /pods/{namespace}/{name}", s.handlePut)
	mux.HandleFunc("GET /pods", s.handleList)
	mux.HandleFunc("GET /pods/{namespace}/{name}", s.handleGet)
	mux.HandleFunc("DELETE /pods/{namespace}/{name}", s.handleDelete)
}

func (s *PushSource) handlePut(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPodBytes))
	if err != nil {
		writeStatus(w, apierrors.NewBadRequest(fmt.Sprintf("read the pod: %v", err)))
		return
	}
	pod, err := DecodePod(body, r.PathValue("namespace"), r.PathValue("name"))
	if err != nil {
		writeStatus(w, err)
		return
	}
	ctx, cancel, err := withTimeout(r)
	if err != nil {
		writeStatus(w, err)
		return
	}
	defer cancel()
	got, created, err := s.Put(ctx, pod)
	if err != nil {
		writeStatus(w, err)
		return
	}
	writeObject(w, map[bool]int{true: http.StatusCreated, false: http.StatusOK}[created], got)
}

func (s *PushSource) handleList(w http.ResponseWriter, _ *http.Request) {
	list := &corev1.PodList{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "PodList"}}
	for _, p := range s.Pods() {
		item := *p.DeepCopy()
		item.TypeMeta = metav1.TypeMeta{}
		list.Items = append(list.Items, item)
	}
	writeObject(w, http.StatusOK, list)
}

func (s *PushSource) handleGet(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("namespace") + "/" + r.PathValue("name")
	pod := s.Pod(key)
	if pod == nil {
		writeStatus(w, notFound(key, s.node))
		return
	}
	writeObject(w, http.StatusOK, pod.DeepCopy())
}

func (s *PushSource) handleDelete(w http.ResponseWriter, r *http.Request) {
	var grace *int64
	if g := r.URL.Query().Get("gracePeriodSeconds"); g != "" {
		n, err := strconv.ParseInt(g, 10, 64)
		if err != nil || n < 0 {
			writeStatus(w, apierrors.NewBadRequest(fmt.Sprintf("gracePeriodSeconds %q is not a number of seconds", g)))
			return
		}
		grace = &n
	}
	ctx, cancel, err := withTimeout(r)
	if err != nil {
		writeStatus(w, err)
		return
	}
	defer cancel()
	pod, err := s.Delete(ctx, r.PathValue("namespace")+"/"+r.PathValue("name"), grace)
	if err != nil {
		writeStatus(w, err)
		return
	}
	writeObject(w, http.StatusOK, pod.DeepCopy())
}

// DecodePod reads a pushed pod from JSON or YAML, fills in the namespace
// and name of the path where the manifest leaves them out, defaults it as
// the API server would and validates it.
func DecodePod(body []byte, namespace, name string) (*corev1.Pod, error) {
	pod := &corev1.Pod{}
	if err := yaml.Unmarshal(body, pod); err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the body is not a pod in JSON or YAML: %v", err))
	}
	if (pod.Kind != "" && pod.Kind != "Pod") || (pod.APIVersion != "" && pod.APIVersion != "v1") {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the body is a %s %s, not a v1 Pod", pod.APIVersion, pod.Kind))
	}
	if pod.Namespace == "" {
		pod.Namespace = namespace
	}
	if pod.Name == "" {
		pod.Name = name
	}
	if pod.Namespace != namespace || pod.Name != name {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the pod is %s/%s but was pushed to /pods/%s/%s", pod.Namespace, pod.Name, namespace, name))
	}
	api.DefaultPodSpec(&pod.Spec)
	if errs := validatePod(pod); len(errs) > 0 {
		return nil, apierrors.NewInvalid(schema.GroupKind{Kind: "Pod"}, pod.Name, errs)
	}
	pod.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}
	return pod, nil
}

func validatePod(pod *corev1.Pod) field.ErrorList {
	r, ok := api.Lookup(corev1.SchemeGroupVersion.WithResource("pods"))
	if !ok {
		return field.ErrorList{field.InternalError(nil, errors.New("the kit serves no pods resource"))}
	}
	errs := api.ValidateObjectMeta(r, pod)
	return append(errs, api.ValidatePodSpec(&pod.Spec, field.NewPath("spec"))...)
}

// withTimeout bounds a waiting request by ?timeout= (a Go duration), else
// DefaultPushTimeout.
func withTimeout(r *http.Request) (context.Context, context.CancelFunc, error) {
	d := DefaultPushTimeout
	if t := r.URL.Query().Get("timeout"); t != "" {
		var err error
		if d, err = time.ParseDuration(t); err != nil || d <= 0 {
			return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("timeout %q is not a positive duration such as 30s", t))
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), d)
	return ctx, cancel, nil
}

func writeObject(w http.ResponseWriter, code int, obj any) {
	if pod, ok := obj.(*corev1.Pod); ok {
		pod.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(obj) // a client gone away is no one's to hear of
}

// writeStatus writes err as a Kubernetes Status with its code.
func writeStatus(w http.ResponseWriter, err error) {
	var status metav1.Status
	if se, ok := err.(apierrors.APIStatus); ok || errors.As(err, &se) {
		status = se.Status()
	} else {
		status = apierrors.NewInternalError(err).Status()
	}
	status.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Status"}
	writeObject(w, int(status.Code), &status)
}
