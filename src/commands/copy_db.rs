//! `helpdesk copy-db --from sqlite://… --to postgres://…`: moving a team to PostgreSQL.

use anyhow::ensure;

use crate::db;

pub async fn copy_db(from: &str, to: &str) -> anyhow::Result<()> {
    ensure!(
        db::postgres::is_postgres(to),
        "--to must be a PostgreSQL URL (postgres://…), not {}",
        db::postgres::redact(to)
    );
    let file = db::sqlite_file(from)?;
    let copied = db::copy::sqlite_to_postgres(&file, to).await?;
    let rows: u64 = copied.iter().map(|c| c.rows).sum();
    for c in &copied {
        println!("{:<24} {:>10} rows", c.table, c.rows);
        if c.replaced > 0 {
            println!(
                "{:<24} {:>10} texts held NUL or bytes that are not UTF-8, which PostgreSQL cannot \
                 store: copied with U+FFFD in their place",
                "", c.replaced
            );
        }
    }
    println!(
        "copied {from} to {}: {} tables, {rows} rows, every count checked",
        db::postgres::redact(to),
        copied.len()
    );
    Ok(())
}
