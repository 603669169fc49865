package kubectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

// DeleteOptions are the flags of delete.
type DeleteOptions struct {
	// GracePeriod is the seconds an object is given to go; < 0 is the
	// object's own default, 0 removes it at once.
	GracePeriod int
	// Wait waits until the objects are gone, at most Timeout (0: no bound
	// but the context).
	Wait    bool
	Timeout time.Duration
	// IgnoreNotFound treats a missing object as deleted.
	IgnoreNotFound bool
}

// Delete deletes the objects args name (type name…, or type/name…) and the
// objects of manifests, printing `pod "web" deleted` for each, then waits
// until they are gone if o.Wait. It goes on past objects it cannot delete,
// and returns their errors at the end.
func (c *Client) Delete(ctx context.Context, args []string, manifests []Object, o DeleteOptions) error {
	return c.run(ctx, func() error { return c.deleteAll(ctx, args, manifests, o) })
}

func (c *Client) deleteAll(ctx context.Context, args []string, manifests []Object, o DeleteOptions) error {
	var ts []target
	if len(args) > 0 {
		var err error
		if ts, err = c.resolve(ctx, args, c.namespace); err != nil {
			return err
		}
		for _, t := range ts {
			if t.name == "" {
				return fmt.Errorf("%s given without a name: name the objects to delete, e.g. delete %s NAME", args[0], args[0])
			}
		}
	}
	var errs errorList
	for _, obj := range manifests {
		t, err := c.locate(ctx, obj)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ts = append(ts, t)
	}
	if len(ts) == 0 && len(errs) == 0 {
		return errors.New("nothing to delete: give a type and names, or -f")
	}

	deleted := map[int]types.UID{}
	for i, t := range ts {
		uid, err := c.deleteOne(ctx, t, o.GracePeriod)
		if apierrors.IsNotFound(err) && o.IgnoreNotFound {
			continue
		}
		if err != nil {
			errs = append(errs, withSource("deleting", t.source, err))
			continue
		}
		fmt.Fprintf(c.out, "%s %q deleted\n", kindName(t.mapping), t.name)
		deleted[i] = uid
	}
	if o.Wait {
		errs = append(errs, c.waitDeleted(ctx, ts, deleted, o.Timeout)...)
	}
	return errs.orNil()
}

// deleteOne deletes t in the background (dependents are left to the
// garbage collector, as kubectl does) and returns the UID it had.
func (c *Client) deleteOne(ctx context.Context, t target, gracePeriod int) (types.UID, error) {
	opts := metav1.DeleteOptions{
		TypeMeta:          metav1.TypeMeta{APIVersion: "v1", Kind: "DeleteOptions"},
		PropagationPolicy: new(metav1.DeletePropagationBackground),
	}
	if gracePeriod >= 0 {
		opts.GracePeriodSeconds = new(int64(gracePeriod))
	}
	body, err := json.Marshal(opts)
	if err != nil {
		return "", err
	}
	data, err := do(ctx, c.request("DELETE", t).Body(body))
	if err != nil {
		return "", err
	}
	var obj metav1.PartialObjectMetadata
	if err := json.Unmarshal(data, &obj); err != nil {
		return "", fmt.Errorf("read deleted %s %q: %w", kindName(t.mapping), t.name, err)
	}
	return obj.UID, nil
}

// waitDeleted waits until every deleted target is gone.
func (c *Client) waitDeleted(ctx context.Context, ts []target, deleted map[int]types.UID, timeout time.Duration) []error {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	var errs []error
	for i, t := range ts {
		uid, ok := deleted[i]
		if !ok {
			continue
		}
		if err := c.waitGone(ctx, t, uid); err != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return append(errs, fmt.Errorf("timed out after %s waiting for %s %q to be deleted: it may still be terminating",
					timeout, kindName(t.mapping), t.name))
			}
			if ctx.Err() != nil {
				return append(errs, fmt.Errorf("stopped waiting for %s %q to be deleted: %w", kindName(t.mapping), t.name, ctx.Err()))
			}
			errs = append(errs, err)
		}
	}
	return errs
}

// waitGone returns once the object t with uid no longer exists: gone, or
// replaced by a new object of the same name.
func (c *Client) waitGone(ctx context.Context, t target, uid types.UID) error {
	for {
		data, err := do(ctx, c.request("GET", t))
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		var cur metav1.PartialObjectMetadata
		if err := json.Unmarshal(data, &cur); err != nil {
			return fmt.Errorf("read %s %q: %w", kindName(t.mapping), t.name, err)
		}
		if cur.UID != uid {
			return nil
		}
		gone := false
		err = c.watchFrom(ctx, t, GetOptions{}, cur.ResourceVersion, func(typ watch.EventType, data []byte) (bool, error) {
			var ev metav1.PartialObjectMetadata
			if err := json.Unmarshal(data, &ev); err != nil {
				return false, fmt.Errorf("read watch event: %w", err)
			}
			gone = ev.UID != uid || typ == watch.Deleted
			return gone, nil
		})
		if gone {
			return nil
		}
		if err != nil && !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
			return err
		}
		// The watch ended or its revision expired: look again.
	}
}
