//! `helpdesk backup`: a consistent copy of the SQLite file.

use std::path::Path;

use anyhow::Context;

use super::sqlite::{open, sqlite_file};

/// Copies the database at `url` to a new file at `to` with SQLite's online backup: a
/// consistent copy while a daemon serves and writes (a plain copy of a WAL database is
/// not). Returns the copy's size in bytes. An existing file at `to` is never overwritten.
pub fn backup(url: &str, to: &Path) -> anyhow::Result<u64> {
    let from = sqlite_file(url)?;
    anyhow::ensure!(from.exists(), "there is no database at {}", from.display());
    anyhow::ensure!(
        !to.exists(),
        "{} exists already; name a new file",
        to.display()
    );
    let source = open(&from, false).with_context(|| format!("opening {}", from.display()))?;
    let mut target =
        rusqlite::Connection::open(to).with_context(|| format!("creating {}", to.display()))?;
    {
        let copy = rusqlite::backup::Backup::new(&source, &mut target)?;
        // A few hundred pages at a time, so that writers are never held up long.
        copy.run_to_completion(256, std::time::Duration::from_millis(10), None)?;
    }
    let ok: String = target.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    anyhow::ensure!(ok == "ok", "the copy does not check out: {ok}");
    drop(target);
    Ok(std::fs::metadata(to)?.len())
}
