// Package exgen generates the learner's exercises/ from the reference
// solutions/: the same packages, with the body of every function a learner
// must write replaced by a stub that fails at once and names its stage.
//
// # The marker format
//
// A solution marks the functions a learner writes with a region:
//
//	//ownkube:begin stage=2
//
//	// Create stores value under key ...
//	func Create(ctx context.Context, kv clientv3.KV, key string, value []byte) (int64, error) {
//		...
//	}
//
//	//ownkube:end
//
// The rules:
//
//   - Both markers are line comments starting in column 1 at the top level of
//     a Go file, outside every declaration. N is the stage (a positive
//     integer) whose specs need the functions. Any other //ownkube: comment
//     is an error, so that a misspelt marker cannot pass unnoticed.
//   - A region holds function and method declarations with their doc
//     comments, and nothing else: a type, var, const or import declaration
//     inside a region is an error.
//   - Regions do not nest. A begin inside an open region, an end with no open
//     region, and a region still open at the end of the file are errors. Every
//     error names the file and line.
//
// # What a stub looks like
//
// Each function keeps its signature and doc comment; its body becomes
//
//	// TODO(stage 2): write Create; its doc comment says what it must do.
//	return 0, exercise.NotImplemented(2, "etcdstore.Create")
//
// when its last result is error (the other results get literal zero values:
// 0, "", false, nil, T{}), and panic(exercise.NotImplemented(...)) otherwise.
// A method is named "<pkg>.<Recv>.<Method>". The markers stay in the
// generated file, so a learner sees where their work goes.
//
// A region's unexported plain functions that no code of the package names
// outside the regions' bodies (given code, tests, signatures) are left out:
// they are how the solution happens to be written, a stub of one would be
// dead code, and the learner writes helpers of their own inside the region.
// Helpers the learner is given live in region-less files beside the
// learner's (solutions/kubelet/helpers.go), never after a region.
//
// # Everything else
//
// Go files without regions (doc.go, helpers, tests) are copied, _test.go files
// too, so the same tests run against the stubs and must fail there. Every
// import of a solutions/ package is rewritten to its exercises/ twin; imports
// the stubs leave unused are dropped and the exercise package is added where a
// stub needs it. Files under testdata/ and non-Go files are copied byte for
// byte. Each generated Go file starts with a header naming its source; it is
// not the "DO NOT EDIT" form, because learners edit these files.
//
// # Learner edits
//
// Write records what it generated in two files of exercises/, both in the
// format of sha256sum (paths relative to exercises/):
//
//	.exgen.sum      <sha256>  kubelet/plan.go          each file as generated
//	.exgen.regions  <sha256>  kubelet/plan.go#Plan     each region as generated, named by its first function
//	                <sha256>  kubelet/plan.go#         the file's given code: without its imports,
//	                                                   each region cut down to one marker line
//
// `cd exercises && sha256sum -c .exgen.sum` lists the files a learner has
// edited. A file that no longer matches its record is the learner's:
//
//   - Write (make exercises) merges a Go file whose edits are all inside its
//     regions and imports: the given code is regenerated, each region the
//     learner edited (found in their file by the functions it declares) and
//     their imports are kept, and an unedited region gets the stub as
//     generated now. A region the learner edited whose stub changed since is
//     kept with a warning, repeated on every run until they reset it. A file
//     edited elsewhere, or holding an edited region solutions/ no longer
//     has, is left alone with a warning. Force (FORCE=1) overwrites all;
//     a file whose solution is gone is deleted only if unedited, even forced.
//   - Check (exgen -check, the kit's drift check) lists what Write would
//     change: an unedited file that differs from what solutions/ generates
//     is drift, a learner's region or file is skipped and counted in one line.
//   - Verify (exgen -verify) skips the packages that hold a learner's file:
//     make check grades those; the rest must fail against their stubs.
//   - Reset (exgen -reset, ownkube exercise reset STAGE|pkg.Func) restores
//     stubs in place, from the learner's file alone, so it works without
//     solutions/ (a student release).
//
// Region records name a region by its first function; regions are found by
// their marker lines, so a learner's file is read even when it does not
// parse. Imports: a merged file keeps the learner's import declarations
// verbatim when they hold every import the given code needs, else the union
// of both, formatted; an import the learner stopped using is not dropped
// (that needs every package's name; the compiler says so clearly).
//
// Import usage is judged from the syntax: a selector x.Y outside the replaced
// bodies counts as a use of the import named x. A local variable that shadows
// an import name can therefore keep an unused import; go vet in Verify catches
// that.
package exgen
