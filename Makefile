# ownkube — the kit's entry points. `make help` lists them.
#
# IMPL picks the implementation of the learner-written pieces: solutions
# (the reference, the kit's default) or exercises (the learner's work).
# `make check` grades the learner's exercises unless IMPL is given on the
# command line; `make test` proves the kit with the solutions.

# A student release has no solutions/: there the learner's code is the default.
IMPL     ?= $(if $(wildcard solutions/),solutions,exercises)
# CHECK_IMPL is what `make check` grades: IMPL when the command line sets
# it (make check IMPL=solutions), the learner's exercises otherwise.
ifeq ($(origin IMPL),command line)
CHECK_IMPL := $(IMPL)
else ifeq ($(origin IMPL),environment)
CHECK_IMPL := $(IMPL)
else
CHECK_IMPL := exercises
endif
# STAGE, for check and test-e2e, is the stage to grade or run (scenarios/NN-*.yaml).
STAGE    ?=
NAME     ?= ownkube
NODES    ?= 2
GO       ?= go
FUZZTIME ?= 20s

ifeq ($(IMPL),solutions)
TAGS := -tags solutions
endif

BIN := bin/ownkube
# The Kubernetes release of the client-go linked (module v0.37.2 is
# v1.37.2), stamped where kubectl reads its version: `ownkube kubectl
# version` refuses the unstamped default. components/images does the same
# for the images and the suite's CLI.
KUBE_VERSION = $(shell $(GO) list -m -f '{{.Version}}' k8s.io/client-go | sed 's/^v0\./v1./')
LDFLAGS = -X k8s.io/client-go/pkg/version.gitVersion=$(KUBE_VERSION) -X k8s.io/component-base/version.gitVersion=$(KUBE_VERSION)
# Every package but the generated exercises (whose tests fail against the
# stubs by design) and the e2e suite (run by its own target).
UNIT_PKGS = $(shell $(GO) list ./... | grep -v -e /exercises/ -e '/e2e$$')

export TESTCONTAINERS_RYUK_DISABLED ?= true

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

.PHONY: build
build: ## build bin/ownkube for this machine
	$(GO) build $(TAGS) -ldflags "$(LDFLAGS)" -o $(BIN) ./components/cmd/ownkube

.PHONY: images
images: build ## build the container images FROM scratch (no pulls)
	$(BIN) images --impl $(IMPL)

.PHONY: up
up: images ## bring a cluster up (NAME=ownkube) and print its kubeconfig
	$(BIN) up --name $(NAME) --image ownkube:$(IMPL) --nodes $(NODES)

.PHONY: down
down: build ## remove the cluster's containers, network and kubeconfig
	$(BIN) down --name $(NAME)

.PHONY: exercises
exercises: ## regenerate exercises/ from solutions/ (keeps a learner's edits; FORCE=1 overwrites them)
	$(GO) run ./components/cmd/exgen $(if $(FORCE),-force)

.PHONY: student-release
student-release: ## write the kit without solutions/ to DIR=path (IMPL defaults to exercises there)
	@test -n "$(DIR)" || { echo "usage: make student-release DIR=path" >&2; exit 2; }
	tools/student-release.sh "$(DIR)"

.PHONY: check
check: ## grade the learner's code stage by stage (IMPL=solutions grades the reference; STAGE=N stops there)
	@# Built, not `go run`: go run turns every failing exit status into 1,
	@# and check's tell specs failed (1), infrastructure (2), timeout (3) apart.
	$(GO) build -o bin/check ./components/cmd/check
	bin/check $(STAGE) --impl $(CHECK_IMPL) $(CHECK_FLAGS)

.PHONY: lint
lint: ## static checks: gofmt, go vet, exercises in step with solutions
	@test -z "$$(gofmt -l components solutions e2e bench tools)" || { echo "gofmt needed:"; gofmt -l components solutions e2e bench tools; exit 1; }
	$(GO) vet $(TAGS) ./...
	$(GO) run ./components/cmd/exgen -check

.PHONY: test
test: images lint test-unit test-exercises test-mutants test-fuzz test-stubs test-e2e ## the kit's own proof, with the solutions: lint, unit (-race), exercises, mutants, fuzz, stubs, e2e

.PHONY: test-unit
test-unit: ## unit and in-process tests (embedded etcd, no Docker) with -race
	$(GO) test -race $(TAGS) -count=1 $(UNIT_PKGS)

.PHONY: test-exercises
test-exercises: ## prove the exercises compile and every one of their tests fails against the stubs
	$(GO) run ./components/cmd/exgen -verify

.PHONY: test-mutants
test-mutants: ## prove every mutant (a known-bad learner region) is killed by its stage's fast tests or specs; prints the table
	@# A student release has no solutions/, so no mutants either.
	@if [ -d solutions ]; then set -x; $(GO) run -tags solutions,mutants ./components/cmd/mutants $(MUTANTS_FLAGS); \
	else echo "no solutions/: no mutants to run"; fi

.PHONY: test-fuzz
test-fuzz: ## fuzz every reader of input a user can type, for FUZZTIME each (API server, push node, scenarios, markers, manifests, kubeconfig)
	$(GO) test $(TAGS) -run '^$$' -fuzz FuzzRequests -fuzztime $(FUZZTIME) ./components/apiserver/
	$(GO) test $(TAGS) -run '^$$' -fuzz FuzzDecodePod -fuzztime $(FUZZTIME) ./components/kubelet/
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./components/kit/scenario/
	$(GO) test -run '^$$' -fuzz FuzzRegions -fuzztime $(FUZZTIME) ./components/kit/exgen/
	$(GO) test -run '^$$' -fuzz FuzzReadManifests -fuzztime $(FUZZTIME) ./components/kubectl/
	$(GO) test -run '^$$' -fuzz FuzzRESTConfig -fuzztime $(FUZZTIME) ./components/kubeconfig/

.PHONY: fuzz
fuzz: test-fuzz ## the long fuzz run for maintainers: make fuzz FUZZTIME=10m

.PHONY: test-stubs
test-stubs: ## prove the specs can fail: every stage's specs on the untouched exercises; each not labelled given must fail
	@# A student release has no solutions/ to compare its exercises with:
	@# the proof is the kit's own. (provestubs also skips a learner's edits.)
	@# The exercises' images are built here: a fresh clone has only the solutions'.
	@if [ -d solutions ]; then set -ex; \
		$(GO) build -o bin/ownkube-exercises ./components/cmd/ownkube; \
		bin/ownkube-exercises images --impl exercises; \
		$(GO) run ./components/cmd/provestubs; \
	else echo "no solutions/: the stub proof is the kit's own, skipped here"; fi

.PHONY: test-e2e
test-e2e: ## the Ginkgo conformance suite against a Docker cluster (STAGE=N: stage N's topology and specs)
	$(if $(STAGE),OWNKUBE_STAGE=$(STAGE)) $(GO) test $(TAGS) -count=1 -timeout 30m -v ./e2e $(if $(CI),-args -ginkgo.no-color)

.PHONY: bench
bench: ## benchmarks: API latency, pod startup, scheduler throughput, each beside its floor
	$(GO) run $(TAGS) ./bench
