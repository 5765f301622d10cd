//! Checks on the codebase itself: module docs, no leftover debugging, ARCHITECTURE.md in step
//! with `src/`.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_module_starts_with_a_doc_comment() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    assert!(files.len() > 10);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.starts_with("//!"),
            "{} does not start with a //! doc",
            file.display()
        );
    }
}

#[test]
fn no_debugging_leftovers() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    rust_files(&root().join("tests"), &mut files);
    let banned = [
        concat!("dbg", "!("),
        concat!("todo", "!("),
        concat!("unimplemented", "!("),
    ];
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for needle in banned {
            assert!(
                !text.contains(needle),
                "{} contains {needle}",
                file.display()
            );
        }
    }
}

#[test]
fn architecture_names_every_source_folder() {
    let architecture = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    for entry in std::fs::read_dir(root().join("src")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            let name = path.file_name().unwrap().to_str().unwrap();
            assert!(
                architecture.contains(&format!("src/{name}/")),
                "ARCHITECTURE.md does not describe src/{name}/"
            );
        }
    }
}

#[test]
fn only_store_opens_redb_and_only_analytics_and_tests_open_duckdb() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let relative = file
            .strip_prefix(root().join("src"))
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        if text.contains("redb::") {
            assert!(relative.starts_with("store/"), "{relative} uses redb");
        }
        if text.contains("axum::") {
            assert!(relative.starts_with("http/"), "{relative} uses axum");
        }
        if text.contains("Connection::open") || text.contains("DuckdbConnectionManager") {
            assert!(
                relative.starts_with("analytics/"),
                "{relative} opens DuckDB"
            );
        }
    }
}

#[test]
fn the_api_reference_names_every_route() {
    let reference = std::fs::read_to_string(root().join("docs/api.md")).unwrap();
    let missing: Vec<String> = flexboard::http::route_table()
        .iter()
        .map(|route| format!("| `{}` | `{}` |", route.method, route.path))
        .filter(|row| !reference.contains(row.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/api.md lacks a row for: {missing:#?}"
    );
}

#[test]
fn the_readme_stays_a_map() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        readme.len() < 6_000,
        "README.md is {} bytes: long material belongs under docs/",
        readme.len()
    );
    for document in [
        "docs/guide.md",
        "docs/api.md",
        "docs/configuration.md",
        "docs/performance.md",
        "SECURITY.md",
        "ARCHITECTURE.md",
    ] {
        assert!(
            readme.contains(document),
            "README.md does not point to {document}"
        );
        assert!(root().join(document).exists(), "{document} is missing");
    }
}

/// The crate's top-level modules and, for each, the others its code (tests aside) names.
fn module_graph() -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let src = root().join("src");
    let modules: Vec<String> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let name = p.file_stem()?.to_str()?.to_owned();
            (p.is_dir() || p.extension().is_some_and(|e| e == "rs")).then_some(name)
        })
        .filter(|name| name != "lib" && name != "main")
        .collect();
    let mut graph = std::collections::BTreeMap::new();
    for module in &modules {
        let mut files = Vec::new();
        let dir = src.join(module);
        if dir.is_dir() {
            rust_files(&dir, &mut files);
        } else {
            files.push(src.join(format!("{module}.rs")));
        }
        let mut uses = std::collections::BTreeSet::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (at, _) in code.match_indices("crate::") {
                let name: String = code[at + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if &name != module && modules.contains(&name) {
                    uses.insert(name);
                }
            }
        }
        graph.insert(module.clone(), uses);
    }
    graph
}

#[test]
fn modules_import_one_another_without_cycles() {
    let graph = module_graph();
    // Depth-first search for a path back to where it started.
    fn cycle_from(
        graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        let last = path.last()?.clone();
        for next in graph.get(&last).into_iter().flatten() {
            if next == &path[0] {
                let mut cycle = path.clone();
                cycle.push(next.clone());
                return Some(cycle);
            }
            if !path.contains(next) {
                path.push(next.clone());
                if let Some(cycle) = cycle_from(graph, path) {
                    return Some(cycle);
                }
                path.pop();
            }
        }
        None
    }
    for module in graph.keys() {
        if let Some(cycle) = cycle_from(&graph, &mut vec![module.clone()]) {
            panic!(
                "modules import one another in a cycle: {}",
                cycle.join(" → ")
            );
        }
    }
    for leaf in ["vocabulary", "digest"] {
        assert!(
            graph[leaf].is_empty(),
            "{leaf} must stay a leaf: {:?}",
            graph[leaf]
        );
    }
}

/// The UI's wire types are generated from the Rust types; a change on either side without the
/// other fails here. `FLEXBOARD_WRITE_WIRE=1` rewrites the file instead.
#[test]
fn wire_types_are_current() {
    let path = root().join("web/src/wire.ts");
    let generated = flexboard::http::wire::typescript();
    if std::env::var_os("FLEXBOARD_WRITE_WIRE").is_some() {
        std::fs::write(&path, &generated).expect("web/src/wire.ts is writable");
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "web/src/wire.ts is stale: run `FLEXBOARD_WRITE_WIRE=1 cargo test --release wire_types` and commit it"
    );
}
