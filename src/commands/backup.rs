//! `helpdesk backup PATH`: a consistent copy of the SQLite database, taken while the
//! daemon may be serving.

use std::path::Path;

use crate::config::Config;
use crate::db;

pub fn backup(config: &Config, to: &Path) -> anyhow::Result<()> {
    let bytes = db::backup(&config.database.url, to)?;
    println!(
        "backed up {} to {} ({:.1} MiB, integrity checked)",
        config.database.url,
        to.display(),
        bytes as f64 / (1024.0 * 1024.0)
    );
    Ok(())
}
