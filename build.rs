//! Embeds every file under `templates/` and every migration (`migrations/sqlite`,
//! `migrations/postgres`) into the binary, and rebuilds when they change.

use std::path::Path;
use std::{env, fs};

fn collect(dir: &Path, root: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect(&path, root, out);
        } else {
            let name = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let abs = fs::canonicalize(&path).unwrap();
            out.push(format!(
                "    ({name:?}, include_str!({:?})),\n",
                abs.to_string_lossy()
            ));
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=templates");
    let root = Path::new("templates");
    let mut entries = Vec::new();
    collect(root, root, &mut entries);
    for dir in walk_dirs(root)
        .into_iter()
        .chain(walk_dirs(Path::new("migrations")))
    {
        println!("cargo:rerun-if-changed={}", dir);
    }
    let code = format!(
        "pub static TEMPLATES: &[(&str, &str)] = &[\n{}];\n",
        entries.concat()
    );
    let out_dir = env::var("OUT_DIR").unwrap();
    fs::write(Path::new(&out_dir).join("templates.rs"), code).unwrap();

    let code = format!(
        "pub static SQLITE: &[(&str, &str)] = &[\n{}];\npub static POSTGRES: &[(&str, &str)] = &[\n{}];\n",
        migrations_in("migrations/sqlite"),
        migrations_in("migrations/postgres")
    );
    fs::write(Path::new(&out_dir).join("migrations.rs"), code).unwrap();
}

/// The `.sql` files of `dir` in name order, as `(name, include_str!(…))` entries.
fn migrations_in(dir: &str) -> String {
    let mut migrations: Vec<_> = fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "sql"))
                .collect()
        })
        .unwrap_or_default();
    migrations.sort();
    migrations
        .iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            format!(
                "    ({name:?}, include_str!({:?})),\n",
                fs::canonicalize(p).unwrap().to_string_lossy()
            )
        })
        .collect()
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
