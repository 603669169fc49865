package exgen

import (
	"fmt"
	"go/ast"
	"strconv"
	"strings"
)

// stubBody returns the block that replaces fn's body: one TODO line, then a
// return (or panic) that fails at once and names the stage and the function.
// ex is the name the file imports the exercise package under.
func stubBody(fn *ast.FuncDecl, stage int, pkgName, ex string, z *zeroer) (string, error) {
	name := funcName(fn)
	fail := fmt.Sprintf("%s.NotImplemented(%d, %s)", ex, stage, strconv.Quote(pkgName+"."+name))
	todo := fmt.Sprintf("// TODO(stage %d): write %s", stage, name)
	if fn.Doc != nil {
		todo += "; its doc comment says what it must do."
	} else {
		todo += "." // no doc comment to point at: say no more than is true
	}
	stmt := "panic(" + fail + ")"
	if results := resultTypes(fn); len(results) > 0 && isErrorType(results[len(results)-1], z) {
		zeros, err := zeroValues(results[:len(results)-1], typeParams(fn), z)
		if err != nil {
			return "", fmt.Errorf("stub for %s: %w", name, err)
		}
		stmt = "return " + strings.Join(append(zeros, fail), ", ")
	}
	return "{\n\t" + todo + "\n\t" + stmt + "\n}", nil
}

// funcName is "Func" or, for a method, "Recv.Method" without the pointer.
func funcName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	return recvTypeName(fn.Recv.List[0].Type) + "." + fn.Name.Name
}

func recvTypeName(t ast.Expr) string {
	switch t := ast.Unparen(t).(type) {
	case *ast.StarExpr:
		return recvTypeName(t.X)
	case *ast.IndexExpr:
		return recvTypeName(t.X)
	case *ast.IndexListExpr:
		return recvTypeName(t.X)
	case *ast.Ident:
		return t.Name
	}
	return "?"
}

// resultTypes lists one type per result: (a, b int) gives int twice.
func resultTypes(fn *ast.FuncDecl) []ast.Expr {
	var ts []ast.Expr
	if fn.Type.Results == nil {
		return nil
	}
	for _, f := range fn.Type.Results.List {
		for range max(1, len(f.Names)) {
			ts = append(ts, f.Type)
		}
	}
	return ts
}

// isErrorType reports whether t is the predeclared error, not a type of the
// package that happens to share its name.
func isErrorType(t ast.Expr, z *zeroer) bool {
	id, ok := ast.Unparen(t).(*ast.Ident)
	if !ok || id.Name != "error" {
		return false
	}
	_, shadowed := z.local["error"]
	return !shadowed
}

// typeParams names the type parameters in scope in fn: its own and, for a
// method of a generic type, those its receiver declares.
func typeParams(fn *ast.FuncDecl) map[string]bool {
	names := fieldNames(fn.Type.TypeParams)
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return names
	}
	var idx []ast.Expr
	switch t := ast.Unparen(fn.Recv.List[0].Type).(type) {
	case *ast.StarExpr:
		idx = indices(t.X)
	default:
		idx = indices(t)
	}
	for _, e := range idx {
		if id, ok := e.(*ast.Ident); ok {
			names[id.Name] = true
		}
	}
	return names
}

func indices(t ast.Expr) []ast.Expr {
	switch t := ast.Unparen(t).(type) {
	case *ast.IndexExpr:
		return []ast.Expr{t.Index}
	case *ast.IndexListExpr:
		return t.Indices
	}
	return nil
}

func zeroValues(ts []ast.Expr, tparams map[string]bool, z *zeroer) ([]string, error) {
	zeros := make([]string, 0, len(ts)+1)
	for _, t := range ts {
		v, err := z.zero(t, tparams)
		if err != nil {
			return nil, err
		}
		zeros = append(zeros, v)
	}
	return zeros, nil
}
