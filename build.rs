//! Embeds every file under `templates/` into the binary, and rebuilds when the
//! migrations or templates change.

use std::path::Path;
use std::{env, fs};

fn collect(dir: &Path, root: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect(&path, root, out);
        } else {
            let name = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            let abs = fs::canonicalize(&path).unwrap();
            out.push(format!("    ({name:?}, include_str!({:?})),\n", abs.to_string_lossy()));
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=templates");
    let root = Path::new("templates");
    let mut entries = Vec::new();
    collect(root, root, &mut entries);
    for dir in walk_dirs(root) {
        println!("cargo:rerun-if-changed={}", dir);
    }
    let code = format!("pub static TEMPLATES: &[(&str, &str)] = &[\n{}];\n", entries.concat());
    let out = Path::new(&env::var("OUT_DIR").unwrap()).join("templates.rs");
    fs::write(out, code).unwrap();
}

fn walk_dirs(dir: &Path) -> Vec<String> {
    let mut out = vec![dir.to_string_lossy().into_owned()];
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk_dirs(&p));
            } else {
                out.push(p.to_string_lossy().into_owned());
            }
        }
    }
    out
}
