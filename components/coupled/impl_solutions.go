//go:build solutions

package coupled

// Impl is the implementation this binary links, so that `node create`
// starts nodes of the same one (the image ownkube:<Impl>).
const Impl = "solutions"
