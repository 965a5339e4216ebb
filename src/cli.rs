//! The command line: serve, migrate, import, agent add/token/tokens/disable, send-test,
//! check, backup, copy-db.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "helpdesk", version, about = "An email-first helpdesk")]
pub struct Cli {
    /// The configuration file.
    #[arg(long, global = true, default_value = "helpdesk.toml")]
    pub config: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run migrations, then the mailbox poller, the outbox sender and the web server.
    Serve,
    /// Create or upgrade the database and exit.
    Migrate,
    /// Feed .eml files, mbox files or Maildirs through the same path as IMAP mail.
    Import {
        /// Files or directories to import.
        paths: Vec<PathBuf>,
        /// Process the quarantined messages again.
        #[arg(long)]
        quarantined: bool,
    },
    /// Manage agents.
    Agent {
        #[command(subcommand)]
        command: AgentCommand,
    },
    /// Try the configuration without serving: the database, every mailbox (sign-in,
    /// folder, IDLE) and SMTP (EHLO, sign-in; no mail is sent). One line per check; exit
    /// status 1 when one fails.
    Check,
    /// Copy the SQLite database to a new file at PATH, consistently, while the daemon may
    /// be serving (SQLite's online backup; the copy's integrity is checked).
    Backup { path: PathBuf },
    /// Copy every table of a SQLite database into an empty PostgreSQL database (its schema
    /// is created first), in one transaction, the counts checked on both sides.
    CopyDb {
        /// The SQLite database, `sqlite://PATH`.
        #[arg(long)]
        from: String,
        /// The PostgreSQL database, `postgres://USER:PASSWORD@HOST:PORT/NAME`.
        #[arg(long)]
        to: String,
    },
    /// Send a sample customer mail to the support address over the configured SMTP server.
    SendTest {
        #[arg(long, default_value = "customer@customer.test")]
        from: String,
        #[arg(long, default_value = "Imprimanta nu funcționează")]
        subject: String,
        #[arg(
            long,
            default_value = "Bună ziua,\n\nImprimanta din birou nu mai tipărește.\n\nMulțumesc,\nIon"
        )]
        body: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Create an agent (or reset their name and password, enabling a disabled one again);
    /// the password is read from stdin. A new password or role ends the agent's sessions
    /// and API tokens.
    Add {
        email: String,
        #[arg(long)]
        name: String,
        /// An admin also manages agents and partners in the console.
        #[arg(long)]
        admin: bool,
        /// Leave an existing agent as they are (password, name, role); create only.
        #[arg(long)]
        if_missing: bool,
    },
    /// Print a new API token for the agent.
    Token {
        email: String,
        /// The token stops working after this many days (default: never).
        #[arg(long)]
        days: Option<u32>,
    },
    /// List the agent's API tokens: when made, when they expire, when last used.
    Tokens { email: String },
    /// Disable the agent: their console sessions and API tokens end at once, and they
    /// cannot sign in (`agent add` enables them again, with a new password).
    Disable { email: String },
}
