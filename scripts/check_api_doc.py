#!/usr/bin/env python3
"""Check that docs/api.md mentions every public name declared in gocxx's headers.

The script scans every header under include/gocxx/ (recursively: xsync.hpp,
sync/pool.hpp, sync/map.hpp and any later header are picked up automatically)
except those under a detail/ directory, plus the headers CMake generates from
cmake/*.hpp.in (cmake/version.hpp.in is <gocxx/version.hpp>), and extracts the
public names declared there:

  * namespace-level functions, variables (sentinel errors such as
    context::canceled) and concepts;
  * class, struct, union and enum names, and the enumerators of public enums;
  * type aliases (`using X = ...;`, `typedef ... X;`);
  * the public member functions and data members of public classes, and names a
    class re-exports with a public using-declaration (`using Base::name;`);
  * macros a public header #defines (for version.hpp: GOCXX_VERSION_MAJOR,
    GOCXX_VERSION_MINOR, GOCXX_VERSION_PATCH, GOCXX_VERSION_STRING), except
    include guards and macros the header #undefs again.

Skipped: anything inside a `namespace detail` (at any depth), the runtime's
internal `namespace rt` (public headers forward-declare into it) or an anonymous
namespace, private and protected class sections, operators, constructors,
destructors, friend declarations, static_asserts, and any name that starts with
an underscore. Comments are stripped first; templates, requires-clauses and
requires-expressions, default arguments, attributes ([[nodiscard]], alignas),
multi-line declarations and inline function bodies are handled by a small
brace/paren-aware declaration scanner (not a C++ parser: a header that confuses it
will show up as odd names in --list).

Each name must occur in docs/api.md as a whole word inside a code span or a
fenced code block (with --anywhere: anywhere in the text). Every missing name is
printed with the header and line it was first declared on.

Exit status: 0 when nothing is missing, 1 when a name is missing, 2 when the
script cannot run (no headers, no docs/api.md).

Usage: python3 scripts/check_api_doc.py [--root DIR] [--doc FILE] [--list]
                                         [--anywhere] [--quiet]
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

# --------------------------------------------------------------------------------
# Lexing


def strip_comments(text: str) -> str:
    """Replaces // and /* */ comments with spaces, keeping newlines (so line numbers
    stay right) and leaving string and character literals (and digit separators
    such as 1'000) alone."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "/" and i + 1 < n and text[i + 1] == "/":
            j = i + 2
            # A backslash-newline continues a // comment.
            while j < n and text[j] != "\n":
                if text[j] == "\\" and j + 1 < n and text[j + 1] == "\n":
                    out.append("\n")
                    j += 2
                    continue
                j += 1
            out.append(" ")
            i = j
        elif c == "/" and i + 1 < n and text[i + 1] == "*":
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(" " + "\n" * text.count("\n", i, j))
            i = j
        elif c == "R" and text.startswith('R"', i) and (i == 0 or not _ident_char(text[i - 1])
                                                        or text[i - 1] in "uUL8"):
            m = re.compile(r'R"([^ ()\\\t\n]{0,16})\(').match(text, i)
            if m is None:
                out.append(c)
                i += 1
                continue
            end = text.find(")" + m.group(1) + '"', m.end())
            end = n if end < 0 else end + len(m.group(1)) + 2
            out.append(text[i:end])
            i = end
        elif c in "\"'":
            if c == "'" and i > 0 and _in_number(text, i):
                out.append(c)  # a digit separator
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(text[i:j])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _ident_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def _in_number(text: str, i: int) -> bool:
    """Whether the ' at text[i] is a digit separator: it follows a pp-number."""
    j = i
    while j > 0 and (_ident_char(text[j - 1]) or text[j - 1] in ".'"):
        j -= 1
    return j < i and text[j].isdigit()


@dataclass
class Tok:
    text: str
    line: int


# Multi-character punctuators. `<<` and `>>` are deliberately not tokens: `>>` closes
# two template argument lists.
_TOKEN_RE = re.compile(
    r"""(?P<ws>[ \t\r\f\v]+)
      | (?P<nl>\n)
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<num>\.?[0-9](?:[0-9A-Za-z_.]|'(?=[0-9A-Za-z])|[eEpP][+-])*)
      | (?P<str>R"(?P<delim>[^ ()\\\t\n]{0,16})\((?s:.*?)\)(?P=delim)"
               |"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')
      | (?P<punct>\.\.\.|->\*|<=>|::|->|&&|\|\||==|!=|<=|>=|\+\+|--|[+\-*/%&|^]=|\.\*|\#\#|.)
    """,
    re.VERBOSE,
)


def tokenize(text: str) -> list[Tok]:
    toks: list[Tok] = []
    line = 1
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup
        s = m.group()
        if kind == "delim":
            kind = "str"
        if kind == "nl":
            line += 1
            continue
        if kind != "ws":
            toks.append(Tok(s, line))
        line += s.count("\n") if kind == "str" else 0
    return toks


def split_preprocessor(text: str) -> tuple[str, list[tuple[str, str, int]]]:
    """Blanks out preprocessor directives (joining continuation lines) and the text
    inside `#if 0` blocks. Returns the remaining text and the directives as
    (directive, argument text, line)."""
    lines = text.split("\n")
    out: list[str] = []
    directives: list[tuple[str, str, int]] = []
    # Stack of "this #if branch is dead" flags (only #if 0 is evaluated).
    dead_stack: list[bool] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("#"):
            start = i
            full = line
            while full.endswith("\\") and i + 1 < len(lines):
                i += 1
                full = full[:-1] + " " + lines[i]
            m = re.match(r"\s*#\s*([A-Za-z_]+)?\s*(.*)", full)
            name = (m.group(1) or "") if m else ""
            arg = m.group(2).strip() if m else ""
            if name in ("if", "ifdef", "ifndef"):
                dead_stack.append(name == "if" and arg == "0")
            elif name in ("else", "elif") and dead_stack:
                # `#if 0 ... #else` makes the #else branch live, and vice versa for a
                # live branch we keep both (we cannot evaluate the condition).
                dead_stack[-1] = False
            elif name == "endif" and dead_stack:
                dead_stack.pop()
            if not any(dead_stack):
                directives.append((name, arg, start + 1))
            out.extend([""] * (i - start + 1))
        elif any(dead_stack):
            out.append("")
        else:
            out.append(line)
        i += 1
    return "\n".join(out), directives


# --------------------------------------------------------------------------------
# Declarations

# Namespaces whose contents are not public API: `detail` (anywhere) and the
# runtime's own `gocxx::rt`, which public headers only forward-declare into.
INTERNAL_NAMESPACES = {"detail", "rt"}

_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {")", "]", "}"}
_CLASS_KEYS = {"class", "struct", "union"}
_SKIP_PAREN_KEYWORDS = {"decltype", "alignas", "noexcept", "sizeof", "alignof", "typeid",
                        "__attribute__", "__declspec", "throw", "explicit", "_Alignas",
                        "__typeof__", "typeof"}
_CPP_KEYWORDS = set("""
alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t
char16_t char32_t class compl concept const consteval constexpr constinit const_cast
continue co_await co_return co_yield decltype default delete do double dynamic_cast
else enum explicit export extern false float for friend goto if inline int long
mutable namespace new noexcept not not_eq nullptr operator or or_eq private protected
public register reinterpret_cast requires return short signed sizeof static
static_assert static_cast struct switch template this thread_local throw true try
typedef typeid typename union unsigned using virtual void volatile wchar_t while xor
xor_eq final override
""".split())


def is_ident(s: str) -> bool:
    return bool(s) and (s[0].isalpha() or s[0] == "_")


def group_end(toks: list[Tok], i: int) -> int:
    """toks[i] opens a (, [ or { group: the index just past its matching close."""
    depth = 0
    n = len(toks)
    while i < n:
        t = toks[i].text
        if t in _OPEN:
            depth += 1
        elif t in _CLOSE:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def angle_end(toks: list[Tok], i: int) -> int:
    """toks[i] is `<`: the index just past the matching `>` (parens etc. skipped)."""
    depth = 0
    n = len(toks)
    while i < n:
        t = toks[i].text
        if t in _OPEN:
            i = group_end(toks, i)
            continue
        if t == "<":
            depth += 1
        elif t == ">":
            depth -= 1
            if depth == 0:
                return i + 1
        elif t in (";", "{", "}"):
            return i  # unbalanced: give up before the statement ends
        i += 1
    return n


def skip_constraint(toks: list[Tok], i: int) -> int:
    """toks[i] follows `requires`: the index just past the constraint expression."""
    n = len(toks)

    def primary(j: int) -> int:
        while j < n and toks[j].text == "!":
            j += 1
        if j >= n:
            return j
        t = toks[j].text
        if t == "(":
            return group_end(toks, j)
        if t == "requires":  # a requires-expression
            j += 1
            if j < n and toks[j].text == "(":
                j = group_end(toks, j)
            if j < n and toks[j].text == "{":
                j = group_end(toks, j)
            return j
        if t in ("true", "false"):
            return j + 1
        if t == "::":
            j += 1
        while j < n:
            if toks[j].text in ("typename", "template"):
                j += 1
                continue
            if not is_ident(toks[j].text):
                break
            j += 1
            if j < n and toks[j].text == "<":
                j = angle_end(toks, j)
            if j < n and toks[j].text == "::":
                j += 1
                continue
            break
        return j

    j = primary(i)
    while j < n and toks[j].text in ("&&", "||"):
        j = primary(j + 1)
    return j


def clean(stmt: list[Tok]) -> list[Tok]:
    """A declaration without template headers, requires-clauses, attributes,
    alignas/decltype/noexcept(...) groups and the like."""
    out: list[Tok] = []
    i, n = 0, len(stmt)
    while i < n:
        t = stmt[i].text
        if t == "template" and i + 1 < n and stmt[i + 1].text == "<":
            i = angle_end(stmt, i + 1)
            continue
        if t == "requires":
            i = skip_constraint(stmt, i + 1)
            continue
        if t == "[" and i + 1 < n and stmt[i + 1].text == "[":
            i = group_end(stmt, i)
            continue
        if t in _SKIP_PAREN_KEYWORDS:
            i += 1
            if i < n and stmt[i].text == "(":
                i = group_end(stmt, i)
            continue
        out.append(stmt[i])
        i += 1
    return out


@dataclass
class TopLevel:
    """Where a cleaned declaration's top-level punctuation is."""
    first_paren: int = -1  # the first ( at depth 0 that is not an operator's name
    first_eq: int = -1  # the first = at depth 0
    first_colon: int = -1  # the first : at depth 0 (bit-field, base clause, init list)
    operator_at: int = -1  # index of `operator`, if it names the function
    idents: list[int] = field(default_factory=list)  # identifiers at depth 0


def scan_top(toks: list[Tok]) -> TopLevel:
    top = TopLevel()
    angle = 0
    i, n = 0, len(toks)
    while i < n:
        t = toks[i].text
        if t == "operator":
            if top.operator_at < 0 and top.first_paren < 0 and top.first_eq < 0:
                top.operator_at = i
            # Skip the operator's own tokens: operator() / operator< / operator bool ...
            i += 1
            if i + 1 < n and toks[i].text == "(" and toks[i + 1].text == ")":
                i += 2
            else:
                while i < n and toks[i].text not in ("(", ";", "{"):
                    i += 1
            continue
        if t in _OPEN:
            if t == "(" and angle == 0 and top.first_paren < 0:
                top.first_paren = i
            i = group_end(toks, i)
            continue
        if t == "<" and i > 0 and (is_ident(toks[i - 1].text) or toks[i - 1].text == ">"):
            angle += 1
        elif t == ">" and angle > 0:
            angle -= 1
        elif angle == 0:
            if t == "=" and top.first_eq < 0:
                top.first_eq = i
            elif t == ":" and top.first_colon < 0:
                top.first_colon = i
            elif is_ident(t):
                top.idents.append(i)
        i += 1
    return top


@dataclass
class Name:
    name: str
    kind: str
    qualified: str
    header: str
    line: int


@dataclass
class Scope:
    kind: str  # namespace, class, linkage
    names: list[str]
    public: bool  # everything enclosing it is public
    access: str = "public"  # for classes: the current access
    class_name: str = ""

    def emits(self) -> bool:
        return self.public and (self.kind != "class" or self.access == "public")


class HeaderScanner:
    def __init__(self, rel: str, text: str) -> None:
        self.rel = rel
        self.found: list[Name] = []
        code, self.directives = split_preprocessor(strip_comments(text))
        self.toks = tokenize(code)
        self.stack: list[Scope] = [Scope("namespace", [], True)]

    # -- output ------------------------------------------------------------------

    def qual(self, name: str) -> str:
        parts = [p for s in self.stack for p in s.names if p]
        return "::".join(parts + [name])

    def emit(self, tok: Tok, kind: str, prefix: str = "") -> None:
        name = tok.text
        if not is_ident(name) or name.startswith("_") or name in _CPP_KEYWORDS:
            return
        if not self.stack[-1].emits():
            return
        self.found.append(Name(name, kind, self.qual(prefix + name), self.rel, tok.line))

    # -- driver ------------------------------------------------------------------

    def run(self) -> list[Name]:
        self.scan_macros()
        toks = self.toks
        stmt: list[Tok] = []
        i, n = 0, len(toks)
        while i < n:
            t = toks[i].text
            scope = self.stack[-1]
            if (scope.kind == "class" and not stmt and t in ("public", "private", "protected")
                    and i + 1 < n and toks[i + 1].text == ":"):
                scope.access = t
                i += 2
                continue
            if t in ("(", "["):
                j = group_end(toks, i)
                stmt.extend(toks[i:j])
                i = j
                continue
            if t == ";":
                self.declaration(stmt)
                stmt = []
                i += 1
                continue
            if t == "}":
                self.declaration(stmt)
                stmt = []
                if len(self.stack) > 1:
                    closed = self.stack.pop()
                    if closed.kind == "class":
                        stmt = [Tok("<tail>", toks[i].line)]  # `} name;` declarators
                i += 1
                continue
            if t == "{":
                i, stmt = self.open_brace(stmt, i)
                continue
            stmt.append(toks[i])
            i += 1
        return self.found

    def open_brace(self, stmt: list[Tok], i: int) -> tuple[int, list[Tok]]:
        """Handles the { at toks[i], which ends the tokens in stmt. Returns where to
        go on reading, and the tokens the statement being read has so far."""
        toks = self.toks
        end = group_end(toks, i)
        # A requires-expression's body belongs to the declaration being read, as do
        # the braces of `} name{...};` after a class body.
        if stmt and (stmt[-1].text == "requires" or self._paren_after_requires(stmt)
                     or stmt[0].text == "<tail>"):
            return end, stmt + toks[i:end]
        c = clean(stmt)
        words = [t.text for t in c]
        parent = self.stack[-1]
        if words[:1] == ["namespace"] or words[:2] == ["inline", "namespace"]:
            k = words.index("namespace") + 1
            parts = []
            while k < len(c) and (is_ident(words[k]) or words[k] == "::"):
                if words[k] != "::" and words[k] != "inline":
                    parts.append(words[k])
                k += 1
            public = parent.public and bool(parts) and not INTERNAL_NAMESPACES & set(parts)
            self.stack.append(Scope("namespace", parts, public))
            return i + 1, []
        if words[:1] == ["extern"] and len(words) >= 2 and words[1].startswith('"'):
            self.stack.append(Scope("linkage", [], parent.public))
            return i + 1, []
        if words and words[0] in _CLASS_KEYS:
            name_tok = next((t for t in c[1:] if is_ident(t.text) and t.text not in
                             ("final",)), None)
            if name_tok is not None:
                self.emit(name_tok, words[0])
            self.stack.append(Scope("class", [name_tok.text if name_tok else ""],
                                    parent.emits(),
                                    "private" if words[0] == "class" else "public",
                                    name_tok.text if name_tok else ""))
            return i + 1, []
        if words[:1] == ["enum"]:
            self.enum(c, i, end)
            return end, [Tok("<tail>", toks[i].line)]
        top = scan_top(c)
        is_function = top.first_paren >= 0 and (top.first_eq < 0 or top.first_eq > top.first_paren)
        if not is_function:  # an initializer: `x{...}`, `= {...}`, a lambda, a concept
            return end, stmt + toks[i:end]
        self.declaration(stmt)  # a function definition: the body is skipped
        return end, []

    @staticmethod
    def _paren_after_requires(stmt: list[Tok]) -> bool:
        if stmt[-1].text != ")":
            return False
        depth = 0
        for k in range(len(stmt) - 1, -1, -1):
            t = stmt[k].text
            if t in _CLOSE:
                depth += 1
            elif t in _OPEN:
                depth -= 1
                if depth == 0:
                    return k > 0 and stmt[k - 1].text == "requires"
        return False

    def enum(self, c: list[Tok], i: int, end: int) -> None:
        name_tok = None
        for t in c[1:]:
            if t.text == ":":
                break
            if is_ident(t.text) and t.text not in ("class", "struct"):
                name_tok = t
                break
        if name_tok is not None:
            self.emit(name_tok, "enum")
        if not self.stack[-1].emits():
            return
        scoped = len(c) > 1 and c[1].text in ("class", "struct")
        body = self.toks[i + 1:end - 1]
        k = 0
        expect_name = True
        while k < len(body):
            t = body[k].text
            if t in _OPEN:
                k = group_end(body, k)
                continue
            if t == ",":
                expect_name = True
            elif expect_name and is_ident(t):
                prefix = name_tok.text + "::" if scoped and name_tok is not None else ""
                self.emit(body[k], "enumerator", prefix=prefix)
                expect_name = False
            k += 1

    def declaration(self, stmt: list[Tok]) -> None:
        """A declaration that ended with `;` (or a function definition's head)."""
        if not stmt or stmt[0].text == "<tail>":
            return
        scope = self.stack[-1]
        c = clean(stmt)
        if not c:
            return
        words = [t.text for t in c]
        first = words[0]
        if first in ("friend", "static_assert", "namespace", "asm", "export"):
            return
        if first == "template":  # explicit instantiation or specialization
            return
        if first == "using":
            if len(words) > 1 and words[1] == "namespace":
                return
            if "=" in words:
                self.emit(c[1], "alias")
            elif scope.kind == "class":
                idents = [t for t in c[1:] if is_ident(t.text) and t.text != "typename"]
                if idents:
                    self.emit(idents[-1], "using-declaration")
            return
        if first == "typedef":
            top = scan_top(c)
            if top.idents:
                self.emit(c[top.idents[-1]], "alias")
            return
        if "concept" in words:
            k = words.index("concept")
            if k + 1 < len(c):
                self.emit(c[k + 1], "concept")
            return
        if first in _CLASS_KEYS or first == "enum":
            # A forward declaration (`class Error;`) or an opaque enum.
            top = scan_top(c)
            if first == "enum" or len([k for k in top.idents if k > 0]) == 1:
                name_tok = next((t for t in c[1:] if is_ident(t.text)
                                 and t.text not in ("class", "struct")), None)
                if name_tok is not None:
                    self.emit(name_tok, first)
            return
        top = scan_top(c)
        in_class = scope.kind == "class"
        if top.operator_at >= 0:
            return
        if top.first_paren >= 0 and (top.first_eq < 0 or top.first_eq > top.first_paren):
            p = top.first_paren
            inner = c[p + 1:group_end(c, p) - 1]
            if inner and inner[0].text in ("*", "&", "&&", "^") or p == 0:
                # `R (*name)(args)`: a function pointer variable.
                names = [t for t in inner if is_ident(t.text)]
                if names:
                    self.emit(names[-1], "data member" if in_class else "variable")
                return
            name_tok = c[p - 1]
            if not is_ident(name_tok.text):
                return
            if p >= 2 and c[p - 2].text == "~":
                return  # a destructor
            if in_class and name_tok.text == scope.class_name:
                return  # a constructor
            if p >= 2 and c[p - 2].text == "::":
                return  # an out-of-line definition of something declared elsewhere
            self.emit(name_tok, "member function" if in_class else "function")
            return
        # A variable or data member: the last identifier before `=`, `{`, `:` or `;`.
        limit = len(c)
        for cut in (top.first_eq, top.first_colon if in_class else -1):
            if 0 <= cut < limit:
                limit = cut
        idents = [k for k in top.idents if k < limit]
        if idents and len(idents) >= 2 or (idents and first in ("extern",)):
            self.emit(c[idents[-1]], "data member" if in_class else "variable")

    def scan_macros(self) -> None:
        defines: list[tuple[str, int]] = []
        undefs: set[str] = set()
        guards: set[str] = set()
        prev_ifndef = None
        for name, arg, line in self.directives:
            m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)", arg)
            macro = m.group(1) if m else ""
            if name == "define" and macro:
                if macro == prev_ifndef:
                    guards.add(macro)
                else:
                    defines.append((macro, line))
            elif name == "undef" and macro:
                undefs.add(macro)
            prev_ifndef = macro if name == "ifndef" else None
        for macro, line in defines:
            if macro not in undefs and macro not in guards and not macro.startswith("_"):
                self.found.append(Name(macro, "macro", macro, self.rel, line))


# --------------------------------------------------------------------------------
# The document

_FENCE_RE = re.compile(r"^(```+|~~~+)[^\n]*\n(.*?)^\1[ \t]*$", re.M | re.S)
_SPAN_RE = re.compile(r"(`+)(.+?)\1", re.S)
_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def documented_words(doc: str, anywhere: bool) -> set[str]:
    if anywhere:
        return set(_WORD_RE.findall(doc))
    words: set[str] = set()
    for m in _FENCE_RE.finditer(doc):
        words.update(_WORD_RE.findall(m.group(2)))
    rest = _FENCE_RE.sub("", doc)
    for m in _SPAN_RE.finditer(rest):
        words.update(_WORD_RE.findall(m.group(2)))
    return words


# --------------------------------------------------------------------------------


def public_headers(root: Path) -> list[Path]:
    """The public headers: include/gocxx/** except detail/ directories, plus the
    headers CMake generates from cmake/*.hpp.in (version.hpp.in becomes
    <gocxx/version.hpp>) unless a header of that name is in include/gocxx/."""
    include_dir = root / "include" / "gocxx"
    headers = []
    for p in sorted(include_dir.rglob("*")):
        if p.suffix not in (".hpp", ".h", ".hh", ".hxx") or not p.is_file():
            continue
        if "detail" in p.relative_to(include_dir).parts[:-1]:
            continue
        headers.append(p)
    present = {p.name for p in headers}
    for p in sorted((root / "cmake").glob("*.hpp.in")):
        if p.is_file() and p.name[:-len(".in")] not in present:
            headers.append(p)
    return headers


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                    help="the repository root (default: the parent of scripts/)")
    ap.add_argument("--doc", type=Path, help="the document (default: ROOT/docs/api.md)")
    ap.add_argument("--list", action="store_true", help="print every name extracted")
    ap.add_argument("--anywhere", action="store_true",
                    help="accept a name anywhere in the text, not only in code")
    ap.add_argument("--quiet", action="store_true", help="print only missing names")
    args = ap.parse_args(argv)

    root: Path = args.root
    doc_path: Path = args.doc or root / "docs" / "api.md"
    headers = public_headers(root)
    if not headers:
        print(f"check_api_doc: no headers under {root / 'include' / 'gocxx'}", file=sys.stderr)
        return 2
    try:
        doc = doc_path.read_text(encoding="utf-8")
    except OSError as e:
        print(f"check_api_doc: cannot read {doc_path}: {e}", file=sys.stderr)
        return 2

    names: list[Name] = []
    for h in headers:
        rel = h.relative_to(root).as_posix() if h.is_relative_to(root) else str(h)
        names.extend(HeaderScanner(rel, h.read_text(encoding="utf-8")).run())

    if args.list:
        for nm in names:
            print(f"{nm.header}:{nm.line}: {nm.kind} {nm.qualified}")

    words = documented_words(doc, args.anywhere)
    first: dict[str, Name] = {}
    count: dict[str, int] = {}
    for nm in names:
        first.setdefault(nm.name, nm)
        count[nm.name] = count.get(nm.name, 0) + 1
    missing = [nm for name, nm in first.items() if name not in words]
    missing.sort(key=lambda nm: (nm.header, nm.line))
    where = "anywhere in" if args.anywhere else "in code in"
    for nm in missing:
        more = f" (declared {count[nm.name]} times)" if count[nm.name] > 1 else ""
        print(f"{nm.header}:{nm.line}: {nm.kind} `{nm.qualified}` is missing "
              f"{where} {doc_path.name}{more}")
    if not args.quiet:
        kinds: dict[str, int] = {}
        for nm in first.values():
            kinds[nm.kind] = kinds.get(nm.kind, 0) + 1
        detail = ", ".join(f"{v} {k}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))
        print(f"check_api_doc: {len(first)} distinct public names ({len(names)} declarations; "
              f"{detail}) in {len(headers)} headers; {len(missing)} missing from "
              f"{doc_path.as_posix()}", file=sys.stderr if not missing else sys.stdout)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
