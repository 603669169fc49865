#!/usr/bin/env bash
# student-release.sh DIR: writes the kit without its answers to DIR, for
# instructors who do not want them in every clone (make student-release).
#
# DIR gets every file git tracks, minus solutions/ and the shims' files that
# link it (those built with -tags solutions that import solutions/), with
# exercises/ freshly generated and e2e/SUITE.sum recorded. Its Makefile
# defaults IMPL to exercises. The reference components go as an image
# (images/ownkube-solutions.tar) when one is built here; README.md says how
# to load it.
set -euo pipefail

dir=${1:?usage: student-release.sh DIR}
cd "$(dirname "$0")/.."
root=$(pwd)
case "$(realpath -m "$dir")/" in
"$root"/*) echo "student-release: $dir is inside the kit; choose a directory outside it" >&2; exit 2 ;;
esac
if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
	echo "student-release: $dir exists and is not empty" >&2
	exit 2
fi
mkdir -p "$dir"

# The shims' solutions-tagged files import solutions/: without it they
# cannot build, and the default (exercises) build never needs them.
linked=$(git ls-files -z | xargs -0 grep -l '^//go:build solutions' | xargs -r grep -l '"github.com/ownkube/ownkube/solutions' || true)
# The mutants are known-bad copies of the solutions, and every file built
# only with them (the shims' mutants.go, the kill run's command) links them.
linked="$linked $(git ls-files -z | xargs -0 grep -l '^//go:build .*mutants' || true)"
git ls-files -z -- . ':!:solutions' ':!:exercises' ':!:components/kit/mutants' ':!:components/cmd/mutants' |
	grep -zvxF -f <(printf '%s\n' $linked) |
	xargs -0 cp --parents -t "$dir"

go run ./components/cmd/exgen -exercises "$dir/exercises" -root "$dir" >/dev/null


image="ownkube:solutions${OWNKUBE_IMAGE_TAG_SUFFIX:-}"
images_note="No reference image was built when this release was made, so --reference cannot run here: ask your instructor for images/ownkube-solutions.tar."
if docker image inspect "$image" >/dev/null 2>&1; then
	mkdir -p "$dir/images"
	docker save -o "$dir/images/ownkube-solutions.tar" "$image"
	chmod 644 "$dir/images/ownkube-solutions.tar"
	images_note="The reference components ship as an image: load it once with \`docker load -i images/ownkube-solutions.tar\` (it is $image), and \`ownkube check --reference COMPONENTS\` can run them."
fi

cat >>"$dir/README.md" <<NOTE

## This is a student release

This copy of the kit has no \`solutions/\`: every target builds your code in
\`exercises/\` (\`IMPL\` defaults to \`exercises\`), and \`-tags solutions\` builds do
not compile here. $images_note
NOTE
echo "student-release: wrote $(find "$dir" -type f | wc -l) files to $dir (exercises/ generated); reference image: $( [ -d "$dir/images" ] && echo saved || echo not built)"
