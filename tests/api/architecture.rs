//! The shape of `src/`: no import cycles between its modules, and the layers keep their order
//! (docs/ARCHITECTURE.md). A new cycle or a layer reaching upwards fails `cargo test`.
//!
//! Why a test and not `cargo modules dependencies --acyclic`: cargo-modules builds rust-analyzer
//! (several minutes per cold CI run on two cores) for the same answer at module level. This reads
//! every file with `proc-macro2`'s tokenizer (the one rustc's proc macros use, already in the build
//! for the derives), resolves each path that starts with `crate`, `super`, `self`, a child module
//! or a name a `use` brought in, down to the deepest module it names, and runs Tarjan's algorithm
//! over the resulting graph. Paths inside macro calls and attributes count too (they are tokens).
//! What it cannot see is a path a macro builds out of pieces; this crate has none.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

type ModPath = Vec<String>;

#[derive(Default)]
struct Graph {
    /// Every module of the library crate (the root is `[]`).
    modules: BTreeSet<ModPath>,
    /// Module → module, with one path that made the edge (for the failure message).
    edges: BTreeMap<ModPath, BTreeMap<ModPath, String>>,
}

/// One module's raw material, before resolution.
#[derive(Default)]
struct Scan {
    children: BTreeSet<String>,
    /// Names a `use` binds in this module → the path they stand for.
    aliases: BTreeMap<String, Vec<String>>,
    /// Paths named in this module (use trees and code).
    paths: Vec<Vec<String>>,
}

fn module_of(file: &Path, src: &Path) -> ModPath {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn is_sep(tokens: &[TokenTree], i: usize) -> bool {
    matches!((tokens.get(i), tokens.get(i + 1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == ':' && b.as_char() == ':')
}

fn ident(t: Option<&TokenTree>) -> Option<String> {
    match t {
        Some(TokenTree::Ident(i)) => Some(i.to_string().trim_start_matches("r#").to_string()),
        _ => None,
    }
}

/// Expands a `use` tree into (path, bound name) pairs; globs bind nothing.
fn use_tree(tokens: &[TokenTree], prefix: &[String], out: &mut Vec<(Vec<String>, Option<String>)>) {
    for part in tokens.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ',')) {
        let mut path = prefix.to_vec();
        let mut renamed: Option<Option<String>> = None;
        let mut nested = false;
        let mut i = 0;
        while i < part.len() {
            match &part[i] {
                TokenTree::Ident(id) if id == "as" => {
                    renamed = Some(ident(part.get(i + 1)).filter(|n| n != "_"));
                    break;
                }
                TokenTree::Ident(_) => path.push(ident(part.get(i)).unwrap()),
                TokenTree::Punct(p) if p.as_char() == '*' => {
                    out.push((path.clone(), None));
                    nested = true;
                    break;
                }
                TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => {
                    let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                    use_tree(&inner, &path, out);
                    nested = true;
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        if nested || path.len() == prefix.len() {
            continue;
        }
        // `use a::{self}` binds `a`.
        if path.last().is_some_and(|l| l == "self") {
            path.pop();
        }
        let name = renamed.unwrap_or_else(|| path.last().cloned());
        out.push((path, name));
    }
}

/// Walks one token stream of module `here`, collecting child modules, uses and paths; inline
/// `mod name { … }` blocks become modules of their own.
fn scan(tokens: Vec<TokenTree>, here: &ModPath, scans: &mut BTreeMap<ModPath, Scan>) {
    scans.entry(here.clone()).or_default();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Ident(id) if id == "mod" => {
                if let Some(name) = ident(tokens.get(i + 1)) {
                    scans.get_mut(here).unwrap().children.insert(name.clone());
                    if let Some(TokenTree::Group(g)) = tokens.get(i + 2)
                        && g.delimiter() == Delimiter::Brace
                    {
                        let mut child = here.clone();
                        child.push(name);
                        scan(g.stream().into_iter().collect(), &child, scans);
                        i += 3;
                        continue;
                    }
                }
                i += 2;
            }
            TokenTree::Ident(id) if id == "use" => {
                let end = tokens[i..]
                    .iter()
                    .position(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ';'))
                    .map_or(tokens.len(), |p| i + p);
                let mut found = Vec::new();
                use_tree(&tokens[i + 1..end], &[], &mut found);
                let s = scans.get_mut(here).unwrap();
                for (path, name) in found {
                    if let Some(n) = name {
                        s.aliases.insert(n, path.clone());
                    }
                    s.paths.push(path);
                }
                i = end + 1;
            }
            TokenTree::Ident(_) if is_sep(&tokens, i + 1) => {
                // A path in code: ident (:: ident)*.
                let mut path = vec![ident(tokens.get(i)).unwrap()];
                let mut j = i + 1;
                while is_sep(&tokens, j) {
                    match ident(tokens.get(j + 2)) {
                        Some(n) => path.push(n),
                        None => break,
                    }
                    j += 3;
                }
                scans.get_mut(here).unwrap().paths.push(path);
                i = j;
            }
            TokenTree::Group(g) => {
                scan(g.stream().into_iter().collect(), here, scans);
                i += 1;
            }
            _ => i += 1,
        }
    }
}

/// The absolute path `path` names from module `here`, if it leads into this crate.
fn resolve(path: &[String], here: &ModPath, scans: &BTreeMap<ModPath, Scan>, depth: u8) -> Option<Vec<String>> {
    let first = path.first()?;
    let rest = &path[1..];
    let mut base: Vec<String> = match first.as_str() {
        "crate" => Vec::new(),
        "self" => here.clone(),
        "super" => {
            let mut b = here.clone();
            b.pop()?;
            let mut rest = rest;
            while rest.first().is_some_and(|r| r == "super") {
                b.pop()?;
                rest = &rest[1..];
            }
            b.extend(rest.iter().cloned());
            return Some(b);
        }
        name => {
            let scan = scans.get(here)?;
            if scan.children.contains(name) {
                let mut b = here.clone();
                b.push(name.to_string());
                b
            } else if let Some(target) = scan.aliases.get(name).filter(|_| depth < 8) {
                // Resolve the alias in its own module, then continue with the rest.
                let mut b = resolve(target, here, scans, depth + 1)?;
                b.extend(rest.iter().cloned());
                return Some(b);
            } else {
                return None;
            }
        }
    };
    base.extend(rest.iter().cloned());
    Some(base)
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let sources = files
        .iter()
        .filter(|f| f.file_name().is_some_and(|n| n != "main.rs"))
        .map(|f| (module_of(f, &src), std::fs::read_to_string(f).unwrap()))
        .collect();
    graph_of(sources)
}

/// The module graph of a crate given as (module path, source text) pairs.
fn graph_of(sources: Vec<(ModPath, String)>) -> Graph {
    let mut scans = BTreeMap::new();
    for (module, text) in sources {
        let tokens = TokenStream::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", name(&module)));
        scan(tokens.into_iter().collect(), &module, &mut scans);
    }
    let mut g = Graph { modules: scans.keys().cloned().collect(), ..Default::default() };
    for (here, s) in &scans {
        for p in &s.paths {
            let Some(abs) = resolve(p, here, &scans, 0) else { continue };
            // The deepest module the path names.
            let Some(target) = (0..=abs.len()).rev().map(|n| abs[..n].to_vec()).find(|m| g.modules.contains(m)) else {
                continue;
            };
            if &target != here {
                g.edges.entry(here.clone()).or_default().entry(target).or_insert_with(|| p.join("::"));
            }
        }
    }
    g
}

fn name(m: &ModPath) -> String {
    if m.is_empty() { "crate".into() } else { m.join("::") }
}

/// Strongly connected components of more than one module (Tarjan).
fn cycles(g: &Graph) -> Vec<Vec<ModPath>> {
    struct T<'a> {
        g: &'a Graph,
        index: BTreeMap<&'a ModPath, usize>,
        low: BTreeMap<&'a ModPath, usize>,
        stack: Vec<&'a ModPath>,
        on: BTreeSet<&'a ModPath>,
        out: Vec<Vec<ModPath>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a ModPath) {
        let n = t.index.len();
        t.index.insert(v, n);
        t.low.insert(v, n);
        t.stack.push(v);
        t.on.insert(v);
        let g = t.g;
        for w in g.edges.get(v).into_iter().flat_map(|e| e.keys()) {
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut scc = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                scc.push(w.clone());
                if w == v {
                    break;
                }
            }
            if scc.len() > 1 {
                t.out.push(scc);
            }
        }
    }
    let mut t =
        T { g, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), on: BTreeSet::new(), out: Vec::new() };
    for m in &g.modules {
        if !t.index.contains_key(m) {
            visit(&mut t, m);
        }
    }
    t.out
}

#[test]
fn the_modules_of_src_import_each_other_without_cycles() {
    let g = graph();
    assert!(g.modules.len() > 50, "the scan found only {} modules", g.modules.len());
    let found = cycles(&g);
    let report: Vec<String> = found
        .iter()
        .map(|scc| {
            let members: BTreeSet<&ModPath> = scc.iter().collect();
            let edges: Vec<String> = scc
                .iter()
                .flat_map(|m| {
                    g.edges[m]
                        .iter()
                        .filter(|(to, _)| members.contains(to))
                        .map(move |(to, via)| format!("    {} → {} (`{via}`)", name(m), name(to)))
                })
                .collect();
            format!("a cycle through {} modules:\n{}", scc.len(), edges.join("\n"))
        })
        .collect();
    assert!(found.is_empty(), "import cycles in src/:\n{}", report.join("\n"));
}

/// Which modules a layer may name, by prefix. Everything else in the crate is off limits.
fn check_layer(g: &Graph, layer: &[&str], may_use: &[&[&str]]) -> Vec<String> {
    let starts = |m: &ModPath, p: &[&str]| m.len() >= p.len() && m.iter().zip(p).all(|(a, b)| a == b);
    let mut bad = Vec::new();
    for (from, tos) in &g.edges {
        if !starts(from, layer) {
            continue;
        }
        for (to, via) in tos {
            if !starts(to, layer) && !may_use.iter().any(|p| starts(to, p)) {
                bad.push(format!("{} → {} (`{via}`)", name(from), name(to)));
            }
        }
    }
    bad
}

#[test]
fn the_layers_only_reach_downwards() {
    let g = graph();
    let mut bad = Vec::new();
    // The domain is pure: nothing of the crate below or beside it.
    bad.extend(check_layer(&g, &["domain"], &[]));
    // The store knows the domain and the schema, nothing that speaks HTTP.
    bad.extend(check_layer(&g, &["store"], &[&["domain"], &["schema"]]));
    // The registers' interfaces and their production adapter are plumbing: no HTTP of ours.
    bad.extend(check_layer(&g, &["registers"], &[&["domain"], &["config"], &["vault"]]));
    // The request context and the error type sit below every handler.
    let below_handlers: &[&[&str]] = &[
        &["domain"],
        &["store"],
        &["schema"],
        &["auth"],
        &["config"],
        &["db"],
        &["vault"],
        &["registers"],
        &["http", "error"],
    ];
    bad.extend(check_layer(&g, &["http", "context"], below_handlers));
    bad.extend(check_layer(&g, &["http", "error"], &[&["domain"], &["vault"]]));
    // Only the top names the handlers: no module of http but routes and openapi uses the
    // middleware, the routes or the document, and nothing in the library uses the commands.
    for (from, tos) in &g.edges {
        let top = |m: &ModPath| m.first().is_some_and(|f| f == "commands");
        let wiring = |m: &ModPath| {
            m.len() >= 2 && m[0] == "http" && matches!(m[1].as_str(), "routes" | "openapi" | "middleware")
        };
        for (to, via) in tos {
            let from_wiring = wiring(from) || top(from);
            if (wiring(to) && !from_wiring) || (top(to) && !top(from)) {
                bad.push(format!("{} → {} (`{via}`)", name(from), name(to)));
            }
        }
    }
    assert!(bad.is_empty(), "layer violations (see docs/ARCHITECTURE.md):\n  {}", bad.join("\n  "));
}

/// A crate of the given files, each `path/of/module` → source.
fn fixture(files: &[(&str, &str)]) -> Graph {
    let sources = files
        .iter()
        .map(|(m, text)| (m.split('/').filter(|s| !s.is_empty()).map(str::to_string).collect(), text.to_string()))
        .collect();
    graph_of(sources)
}

#[test]
fn the_checker_finds_a_planted_cycle_whatever_the_path_looks_like() {
    let planted: &[(&str, &[(&str, &str)])] = &[
        (
            "use crate::…",
            &[("", "mod a; mod b;"), ("a", "use crate::b::X;"), ("b", "pub struct X; fn f() { crate::a::g(); }")],
        ),
        (
            "braces and self",
            &[("", "mod a; mod b;"), ("a", "use crate::b::{self, X};"), ("b", "use crate::{a::{self}};")],
        ),
        (
            "an alias of an alias",
            &[
                ("", "mod a; mod b;"),
                ("a", "use crate::b as beta; use beta::X;"),
                ("b", "pub struct X; use crate::a::{self as alpha}; fn g() { alpha::f(); }"),
            ],
        ),
        (
            "a parent re-exporting a child that uses it",
            &[
                ("", "mod p;"),
                ("p", "mod c; pub use c::f; pub const K: u8 = 1;"),
                ("p/c", "use super::K; pub fn f() {}"),
            ],
        ),
        (
            "super::super and an inline module",
            &[
                ("", "mod x; mod y;"),
                ("x", "mod inner { fn f() { super::super::y::g(); } }"),
                ("y", "pub fn g() { crate::x::inner::h(); }"),
            ],
        ),
        (
            "a path inside a macro call",
            &[
                ("", "mod a; mod b;"),
                ("a", "fn f() { tracing::info!(x = %crate::b::X, \"m\"); }"),
                ("b", "use crate::a;"),
            ],
        ),
    ];
    for (what, files) in planted {
        assert!(!cycles(&fixture(files)).is_empty(), "missed a cycle through {what}");
    }
    // And no cycle where there is none: uses in one direction only, globs in tests, externals.
    let clean = fixture(&[
        ("", "mod a; mod b;"),
        ("a", "use crate::b::X; use std::fmt; #[cfg(test)] mod tests { use super::*; }"),
        ("b", "pub struct X; use serde::Serialize;"),
    ]);
    assert!(cycles(&clean).is_empty());
}

#[test]
fn the_scan_sees_known_edges() {
    // The checks above are only as good as the graph: a few edges that must be in it.
    let g = graph();
    let has = |a: &[&str], b: &[&str]| {
        let a: ModPath = a.iter().map(|s| s.to_string()).collect();
        let b: ModPath = b.iter().map(|s| s.to_string()).collect();
        g.edges.get(&a).is_some_and(|e| e.contains_key(&b))
    };
    assert!(has(&["store", "cases"], &["domain", "case"]), "use crate::domain::case::… in store/cases.rs");
    assert!(has(&["http", "routes"], &["http", "cases"]), "cases::… in http/routes.rs");
    assert!(has(&["store", "text"], &["domain", "office"]));
}
