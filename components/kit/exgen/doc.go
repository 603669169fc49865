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
// Write records the SHA-256 of every file it writes in exercises/.exgen.sum
// (sha256sum format, paths relative to exercises/). A file whose content no
// longer matches its record was edited by a learner: Write leaves it alone
// unless forced, and never deletes it. Diff is the kit repository's drift
// check; Verify proves that every test fails against the stubs.
//
// Import usage is judged from the syntax: a selector x.Y outside the replaced
// bodies counts as a use of the import named x. A local variable that shadows
// an import name can therefore keep an unused import; go vet in Verify catches
// that.
package exgen
