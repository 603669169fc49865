package exgen

import (
	"fmt"
	"go/ast"
	"go/types"
)

// kind is what a type is underneath, as far as its zero literal cares.
type kind int

const (
	kindNil       kind = iota // pointer, slice, map, chan, func, interface
	kindNumber                // 0
	kindString                // ""
	kindBool                  // false
	kindComposite             // T{}: struct or array
	kindTypeParam             // *new(T): nothing else reads as T's zero
)

var predeclared = map[string]kind{
	"bool": kindBool, "string": kindString, "error": kindNil, "any": kindNil,
	"int": kindNumber, "int8": kindNumber, "int16": kindNumber, "int32": kindNumber, "int64": kindNumber,
	"uint": kindNumber, "uint8": kindNumber, "uint16": kindNumber, "uint32": kindNumber, "uint64": kindNumber,
	"uintptr": kindNumber, "byte": kindNumber, "rune": kindNumber,
	"float32": kindNumber, "float64": kindNumber, "complex64": kindNumber, "complex128": kindNumber,
}

// typeDecl is a type declared in the package being generated, with the
// imports of its own file, against which its selectors resolve.
type typeDecl struct {
	spec    *ast.TypeSpec
	imports map[string]string // local name → import path
}

// zeroer writes the zero literal of a result type of one file.
type zeroer struct {
	pkgs    Packages
	local   map[string]typeDecl // the package's own type declarations
	imports map[string]string   // the file's imports: local name → path
	text    func(ast.Node) string
}

// zero returns the literal zero value of type t: 0, "", false, nil, T{}.
func (z *zeroer) zero(t ast.Expr, tparams map[string]bool) (string, error) {
	t = ast.Unparen(t)
	k, err := z.kindOf(t, z.imports, tparams, 0)
	if err != nil {
		return "", fmt.Errorf("zero value of %s: %w", z.text(t), err)
	}
	switch k {
	case kindNumber:
		return "0", nil
	case kindString:
		return `""`, nil
	case kindBool:
		return "false", nil
	case kindComposite:
		return z.text(t) + "{}", nil
	case kindTypeParam:
		return "*new(" + z.text(t) + ")", nil
	}
	return "nil", nil
}

func (z *zeroer) kindOf(t ast.Expr, imports map[string]string, tparams map[string]bool, depth int) (kind, error) {
	if depth > 16 {
		return 0, fmt.Errorf("type declarations nest too deep")
	}
	switch t := ast.Unparen(t).(type) {
	case *ast.Ident:
		return z.identKind(t.Name, tparams, depth)
	case *ast.SelectorExpr:
		return z.importedKind(t, imports)
	case *ast.IndexExpr: // an instantiated generic type is what its generic type is
		return z.kindOf(t.X, imports, tparams, depth+1)
	case *ast.IndexListExpr:
		return z.kindOf(t.X, imports, tparams, depth+1)
	case *ast.ArrayType:
		if t.Len == nil {
			return kindNil, nil
		}
		return kindComposite, nil
	case *ast.StructType:
		return kindComposite, nil
	case *ast.StarExpr, *ast.MapType, *ast.ChanType, *ast.FuncType, *ast.InterfaceType:
		return kindNil, nil
	}
	return 0, fmt.Errorf("unsupported type expression %T", t)
}

// identKind resolves a bare name in Go's scope order: type parameters, then
// the package's declarations, then the predeclared types.
func (z *zeroer) identKind(name string, tparams map[string]bool, depth int) (kind, error) {
	if tparams[name] {
		return kindTypeParam, nil
	}
	if d, ok := z.local[name]; ok {
		return z.kindOf(d.spec.Type, d.imports, fieldNames(d.spec.TypeParams), depth+1)
	}
	if k, ok := predeclared[name]; ok {
		return k, nil
	}
	return 0, fmt.Errorf("type %s is neither predeclared nor declared in the package", name)
}

// importedKind asks the type checker, through Packages, what pkg.T is.
func (z *zeroer) importedKind(sel *ast.SelectorExpr, imports map[string]string) (kind, error) {
	x, ok := sel.X.(*ast.Ident)
	if !ok {
		return 0, fmt.Errorf("unsupported qualified type")
	}
	path, ok := imports[x.Name]
	if !ok {
		return 0, fmt.Errorf("no import named %s", x.Name)
	}
	if z.pkgs == nil {
		return 0, fmt.Errorf("no type information for %s.%s", path, sel.Sel.Name)
	}
	u, err := z.pkgs.Underlying(path, sel.Sel.Name)
	if err != nil {
		return 0, err
	}
	return kindOfType(u), nil
}

func kindOfType(u types.Type) kind {
	switch u := u.(type) {
	case *types.Struct, *types.Array:
		return kindComposite
	case *types.Basic:
		switch info := u.Info(); {
		case info&types.IsBoolean != 0:
			return kindBool
		case info&types.IsString != 0:
			return kindString
		case info&types.IsNumeric != 0:
			return kindNumber
		}
	}
	return kindNil
}

// fieldNames returns the names declared by a field list: type parameters.
func fieldNames(fl *ast.FieldList) map[string]bool {
	names := map[string]bool{}
	if fl == nil {
		return names
	}
	for _, f := range fl.List {
		for _, n := range f.Names {
			names[n.Name] = true
		}
	}
	return names
}
