"""Which keys of a chart's values.yaml its templates read: a static reading of the Go
templates, no render.

Templates are the chart's own and those of its library subcharts (they run with the
chart's context, so their `.Values` is the chart's). Every action is evaluated on
abstract values: the chart's root context, a values path, or anything else. A read is
a values path and whether everything below it counts as read:

- `.Values.a.b`, `$.Values.a.b` (and `.ctx.Values.a.b`: a context handed on in a dict)
  read `a.b`; so do `$v.b` after `$v := .Values.a`, and `.b` inside `with .Values.a`;
- a path handed over whole (printed, piped or passed to any function, `include`, `dict`,
  `toYaml`, ...) or ranged over reads every key below it;
- a path only tested (`if`, `with`, `not`, `empty`, `and`, `or`, `kindIs`, `len`,
  `hasKey`) reads that key, not the keys below it;
- `index`/`get`/`dig` with literal keys read the key they name; `default` passes its
  value on, so `$x := .Values.a | default dict` is the same as `$x := .Values.a`.

`include "x" .Values.a` counts as reading all of `a` (the named template's body is not
followed with its argument). Defined templates are read with dot as the root context.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .chartsource import TemplateSyntaxError, Token, actions
from .loader import load_yaml_file

KeyPath = tuple[str, ...]


@dataclass(frozen=True)
class Read:
    path: KeyPath
    whole: bool  # every key below `path` is read too
    where: str = ""


class _Root:
    """The chart's root context (or a dict that carries it, like the library's `ctx`)."""

    def __repr__(self) -> str:
        return "ROOT"


ROOT = _Root()
# An abstract value: ROOT, a values path (a tuple of keys), or None for anything else.

TESTS_ONLY = {"not", "empty", "and", "or", "len", "kindIs", "kindOf", "typeOf", "typeIs", "typeIsLike"}
KEYWORDS = {"if", "else", "end", "range", "with", "define", "block", "template", "break", "continue"}
LITERALS = {"nil", "true", "false"}

_NOTHING = object()  # no value piped into a command


@dataclass(frozen=True)
class _Literal:
    text: str


def _unquote(text: str) -> str:
    return text[1:-1] if text[:1] in "\"`" else text


@dataclass
class _Scope:
    kind: str  # "file", "define", "if", "with", "range"
    dot: object
    outer_dot: object
    vars: dict[str, object] = field(default_factory=dict)


class _Reader:
    """Evaluates the actions of one template file, recording the values it reads."""

    def __init__(self, name: str, reads: list[Read]) -> None:
        self.name = name
        self.reads = reads
        self.scopes = [_Scope("file", ROOT, ROOT, {"$": ROOT})]
        self.where = name

    # ------------------------------------------------------------------ values
    def read(self, value: object, whole: bool) -> None:
        if isinstance(value, tuple):
            self.reads.append(Read(value, whole, self.where))

    def visible(self) -> list[_Scope]:
        """The scopes whose variables are in sight, innermost first: a defined template
        sees none of the file's."""
        out = []
        for scope in reversed(self.scopes):
            out.append(scope)
            if scope.kind == "define":
                break
        return out

    def lookup(self, var: str) -> object:
        return next((scope.vars[var] for scope in self.visible() if var in scope.vars), None)

    def assign(self, var: str, value: object) -> None:
        scope = next((scope for scope in self.visible() if var in scope.vars), self.scopes[-1])
        scope.vars[var] = value

    @staticmethod
    def fields(base: object, names: list[str]) -> object:
        """`base.a.b`: a values path when base is one, or is the root and names pass `Values`."""
        if isinstance(base, tuple):
            return base + tuple(names)
        if base is ROOT:
            if "Values" in names:
                return tuple(names[names.index("Values") + 1:])
            return ROOT  # .ctx, .Release ...: may carry the root context on
        return None

    # ------------------------------------------------------------------ parsing
    def pipeline(self, toks: list[Token], i: int, stop: str | None = None) -> tuple[object, int, list[str]]:
        """Evaluate a pipeline from toks[i]; (result, next index, variables it assigns)."""
        names, j = [], i  # `$a :=`, `$a, $b :=` or `$a =` in front of the commands
        while j < len(toks) and toks[j].kind == "var" and "." not in toks[j].text:
            names.append(toks[j].text)
            if j + 1 < len(toks) and toks[j + 1].text == ",":
                j += 2
            else:
                break
        op = toks[j + 1].text if names and j + 1 < len(toks) else None
        if op in (":=", "="):
            i = j + 2
        else:
            names = []
        value: object = None
        piped = False
        while True:
            value, i = self.command(toks, i, value if piped else _NOTHING)
            if i < len(toks) and toks[i].text == "|":
                i += 1
                piped = True
                continue
            break
        if stop is not None and (i >= len(toks) or toks[i].text != stop):
            raise TemplateSyntaxError(f"{self.where}: expected {stop!r}")
        for var in names:
            if op == ":=":
                self.scopes[-1].vars[var] = value
            else:
                self.assign(var, value)
        return value, i, names

    def operand(self, toks: list[Token], i: int) -> tuple[object, int, str | None]:
        """One operand: (value, next index, function name when it is an identifier)."""
        tok = toks[i]
        if tok.text == "(":
            value, i, _ = self.pipeline(toks, i + 1, stop=")")
            i += 1
            if i < len(toks) and toks[i].attached:
                value = self.fields(value, toks[i].text.split(".")[1:])
                i += 1
            return value, i, None
        if tok.kind == "field":
            names = tok.text.split(".")[1:] if tok.text != "." else []
            return self.fields(self.scopes[-1].dot, names), i + 1, None
        if tok.kind == "var":
            var, *names = tok.text.split(".")
            return self.fields(self.lookup(var), names) if names else self.lookup(var), i + 1, None
        if tok.kind == "ident":
            return None, i + 1, None if tok.text in LITERALS else tok.text
        if tok.kind in ("string", "raw", "char", "number"):
            return _Literal(tok.text), i + 1, None
        raise TemplateSyntaxError(f"{self.where}: unexpected {tok.text!r}")

    def command(self, toks: list[Token], i: int, piped: object) -> tuple[object, int]:
        operands: list[object] = []
        func = None
        start = i
        while i < len(toks) and toks[i].text not in ("|", ")"):
            value, i, name = self.operand(toks, i)
            if i - 1 == start and name is not None:
                func = name
            else:
                operands.append(value)
        if piped is not _NOTHING:
            operands.append(piped)
        if func is None:
            if not operands:
                raise TemplateSyntaxError(f"{self.where}: an empty command")
            if len(operands) > 1:  # a method with arguments: .Capabilities.APIVersions.Has "v1"
                for arg in operands[1:]:
                    self.read(arg, whole=True)
                return None, i
            return operands[0], i
        return self.call(func, operands), i

    def call(self, func: str, args: list[object]) -> object:
        """What a function does with the values handed to it, and what it gives back."""
        keys = [a.text for a in args[1:] if isinstance(a, _Literal)]
        if func in ("index", "get") and args and isinstance(args[0], tuple) and len(keys) == len(args) - 1:
            return args[0] + tuple(_unquote(k) for k in keys)
        if func == "dig" and len(args) >= 3 and isinstance(args[-1], tuple) \
                and all(isinstance(a, _Literal) for a in args[:-2]):
            return args[-1] + tuple(_unquote(a.text) for a in args[:-2])
        if func == "hasKey" and len(args) == 2 and isinstance(args[0], tuple) and isinstance(args[1], _Literal):
            self.read(args[0] + (_unquote(args[1].text),), whole=False)
            return None
        if func in ("default", "required") and args:  # both give back their last argument
            for fallback in args[:-1]:
                self.read(fallback, whole=True)
            return args[-1]
        for arg in args:
            self.read(arg, whole=func not in TESTS_ONLY)
        return None

    # ------------------------------------------------------------------ actions
    def action(self, toks: list[Token]) -> None:
        if not toks:
            return
        head = toks[0].text if toks[0].kind == "ident" and toks[0].text in KEYWORDS else None
        scope = self.scopes[-1]
        if head is None:
            value, i, assigned = self.pipeline(toks, 0)
            self._done(toks, i)
            if not assigned:
                self.read(value, whole=True)  # printed
        elif head in ("if", "with", "range"):
            self.scopes.append(_Scope(head, scope.dot, scope.dot))
            self.control(head, toks, 1)
        elif head == "else":
            scope.vars.clear()
            scope.dot = scope.outer_dot
            if len(toks) > 1:
                kind = toks[1].text
                if kind not in ("if", "with"):
                    raise TemplateSyntaxError(f"{self.where}: else {kind}?")
                self.control(kind, toks, 2)
        elif head == "end":
            if len(self.scopes) == 1:
                raise TemplateSyntaxError(f"{self.where}: end without a block")
            self.scopes.pop()
        elif head in ("define", "block"):
            if head == "block":
                value, i, _ = self.pipeline(toks, 2)
                self._done(toks, i)
                self.read(value, whole=True)
            self.scopes.append(_Scope("define", ROOT, ROOT, {"$": ROOT}))
        elif head == "template":
            if len(toks) > 2:
                value, i, _ = self.pipeline(toks, 2)
                self._done(toks, i)
                self.read(value, whole=True)
        # break, continue: nothing to read

    def control(self, kind: str, toks: list[Token], i: int) -> None:
        value, end, assigned = self.pipeline(toks, i)
        self._done(toks, end)
        scope = self.scopes[-1]
        if kind == "if":
            self.read(value, whole=False)
        elif kind == "with":
            self.read(value, whole=False)
            scope.dot = value
        else:  # range: every element, every key
            self.read(value, whole=True)
            scope.dot = None
            for var in assigned:
                scope.vars[var] = None

    def _done(self, toks: list[Token], i: int) -> None:
        if i != len(toks):
            raise TemplateSyntaxError(f"{self.where}: cannot read {' '.join(t.text for t in toks[i:])!r}")

    def run(self, text: str) -> None:
        for found in actions(text, self.name):
            if found.comment is None:
                self.where = f"{self.name}:{text.count(chr(10), 0, found.start) + 1}"
                self.action(found.tokens)
        if len(self.scopes) != 1:
            raise TemplateSyntaxError(f"{self.name}: {self.scopes[-1].kind} without end")


# ---------------------------------------------------------------------- the chart
def template_files(chart: Path) -> list[Path]:
    """The chart's templates and those of its library subcharts (directories, linked or not)."""
    folders = [chart / "templates"]
    for sub in sorted((chart / "charts").iterdir()) if (chart / "charts").is_dir() else []:
        meta = sub / "Chart.yaml"
        if meta.is_file() and (load_yaml_file(meta) or {}).get("type") == "library":
            folders.append(sub / "templates")
    return sorted(p for folder in folders if folder.is_dir() for p in folder.rglob("*") if p.is_file())


def reads(chart: Path) -> list[Read]:
    out: list[Read] = []
    for path in template_files(chart):
        _Reader(path.relative_to(chart).as_posix(), out).run(path.read_text())
    return out


def leaf_keys(node: object, prefix: KeyPath = ()) -> list[KeyPath]:
    """Every key of values.yaml whose value is not a map with keys of its own."""
    if isinstance(node, dict) and node:
        return [leaf for key, value in node.items() for leaf in leaf_keys(value, (*prefix, str(key)))]
    return [prefix] if prefix else []


def covered(key: KeyPath, found: list[Read]) -> bool:
    return any(r.path[:len(key)] == key or (r.whole and key[:len(r.path)] == r.path) for r in found)


def unused_values(chart: Path) -> list[str]:
    """The values.yaml keys (dotted) that no template of the chart reads."""
    values = load_yaml_file(chart / "values.yaml") or {}
    found = reads(chart)
    return [".".join(key) for key in leaf_keys(values) if not covered(key, found)]
