//go:build !solutions

package etcdstore

import impl "github.com/ownkube/ownkube/exercises/etcdstore"

type (
	KeyValue = impl.KeyValue
	Event    = impl.Event
)

var (
	ErrNotFound  = impl.ErrNotFound
	ErrExists    = impl.ErrExists
	ErrConflict  = impl.ErrConflict
	ErrCompacted = impl.ErrCompacted
)

var (
	Create         = impl.Create
	Get            = impl.Get
	Update         = impl.Update
	Delete         = impl.Delete
	List           = impl.List
	Watch          = impl.Watch
	TranslateEvent = impl.TranslateEvent
)
