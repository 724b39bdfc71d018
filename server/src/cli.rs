//! The command line: `serve`, `migrate`, `users add`, `tokens issue|list|revoke`, `backup`,
//! `seed`, `ocds import`.

use crate::config::Settings;
use backend::services::accounts::{auth, sessions};
use clap::{Parser, Subcommand};
use sea_orm::TransactionTrait;
use secrecy::SecretString;
use std::io::Read;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "anchorlink",
    about = "Registry of local suppliers for public buyers",
    version
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the site on ANCHORLINK_ADDR (default 127.0.0.1:3000); migrations run first.
    Serve,
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Manage users.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Manage API tokens.
    Tokens {
        #[command(subcommand)]
        command: TokensCommand,
    },
    /// Write a consistent copy of the (SQLite) database to FILE while it is in use; for
    /// PostgreSQL, says how to use pg_dump.
    Backup {
        /// Where to write the copy (must not exist).
        file: std::path::PathBuf,
    },
    /// Fill the database with realistic synthetic suppliers.
    Seed {
        /// How many suppliers to create.
        #[arg(long)]
        suppliers: u64,
        /// Seed for the random generator (same seed, same suppliers).
        #[arg(long, default_value_t = 1)]
        random_seed: u64,
    },
    /// Other portals' OCDS releases (issue 12).
    Ocds {
        #[command(subcommand)]
        command: OcdsCommand,
    },
}

#[derive(Subcommand)]
enum OcdsCommand {
    /// Import release packages or releases from a file, every `.json` file under a folder,
    /// or standard input (`-`); idempotent; exits non-zero if any file was refused.
    Import {
        /// A file, a folder, or `-` for standard input.
        path: String,
        /// The buyer (or admin with an organisation) the notices are imported for; without
        /// it, the first admin imports them into the organisation "Notices from other
        /// portals".
        #[arg(long = "as", value_name = "EMAIL")]
        as_email: Option<String>,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Add a verified user; the password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["supplier", "buyer", "admin"])]
        role: String,
        /// The organisation the user belongs to (created if missing). Required for suppliers and buyers.
        #[arg(long)]
        organisation: Option<String>,
    },
}

#[derive(Subcommand)]
enum TokensCommand {
    /// Print a new API token for the user, for `Authorization: Bearer …`.
    Issue {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "cli")]
        label: String,
        /// `read` limits the token to GET requests; without it the token reads and writes.
        #[arg(long, value_parser = ["read", "write"], default_value = "write")]
        scope: String,
        /// The token stops working after this many days (without it: until revoked).
        #[arg(long)]
        expires_days: Option<u32>,
    },
    /// List API tokens (all, or one user's): id, user, label, scope, dates; never the token.
    List {
        #[arg(long)]
        email: Option<String>,
    },
    /// Revoke an API token by the id `tokens list` shows.
    Revoke { id: i64 },
}

/// Runs the command line and returns the process's exit code.
pub fn main() -> ExitCode {
    crate::observe::init_logging();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<Refused>() => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Some files were refused (already reported, file by file).
#[derive(Debug)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("some files were refused: nothing of them was imported")
    }
}

impl std::error::Error for Refused {}

fn service_error(e: backend::ServiceError) -> anyhow::Error {
    match e {
        backend::ServiceError::Validation(fields) => {
            let lines: Vec<String> = fields.iter().map(|(f, m)| format!("{f}: {m}")).collect();
            anyhow::anyhow!("{}", lines.join("; "))
        }
        backend::ServiceError::NotFound => anyhow::anyhow!("no such user"),
        other => anyhow::anyhow!("{other:?}"),
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => crate::serve(settings).await,
        Command::Migrate => {
            crate::connect(&settings.database_url).await?;
            eprintln!("database is up to date");
            Ok(())
        }
        Command::Users {
            command:
                UsersCommand::Add {
                    email,
                    role,
                    organisation,
                },
        } => {
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = SecretString::from(password.trim_end_matches(['\n', '\r']).to_owned());
            let db = crate::connect(&settings.database_url).await?;
            let user = auth::NewUser::check(&email, password, &role, organisation.as_deref())
                .await
                .map_err(service_error)?;
            let txn = db.begin().await?;
            let id = auth::add_user(&txn, user).await.map_err(service_error)?;
            txn.commit().await?;
            println!("added {role} {email} (user {id})");
            Ok(())
        }
        Command::Tokens {
            command:
                TokensCommand::Issue {
                    email,
                    label,
                    scope,
                    expires_days,
                },
        } => {
            let db = crate::connect(&settings.database_url).await?;
            let terms = sessions::TokenTerms {
                scope: sessions::TokenScope::parse(&scope).map_err(service_error)?,
                expires_in_days: expires_days,
            };
            let txn = db.begin().await?;
            let token = sessions::issue_api_token_with(&txn, &email, &label, terms)
                .await
                .map_err(service_error)?;
            txn.commit().await?;
            // Only the token on standard output, so scripts can capture it.
            println!("{token}");
            Ok(())
        }
        Command::Tokens {
            command: TokensCommand::List { email },
        } => {
            let db = crate::connect(&settings.database_url).await?;
            let tokens = sessions::list_api_tokens(&db, email.as_deref())
                .await
                .map_err(service_error)?;
            let day = |d: Option<chrono::DateTime<chrono::Utc>>| {
                d.map_or_else(
                    || "-".to_owned(),
                    |d| d.format("%Y-%m-%d %H:%M").to_string(),
                )
            };
            println!("id\tuser\tlabel\tscope\tcreated\texpires\tlast used\trevoked");
            for t in tokens {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.email,
                    t.label,
                    t.scope,
                    day(Some(t.created_at)),
                    day(t.expires_at),
                    day(t.last_used_at),
                    day(t.revoked_at)
                );
            }
            Ok(())
        }
        Command::Tokens {
            command: TokensCommand::Revoke { id },
        } => {
            let db = crate::connect(&settings.database_url).await?;
            let txn = db.begin().await?;
            sessions::revoke_api_token(&txn, id)
                .await
                .map_err(|e| match e {
                    backend::ServiceError::NotFound => {
                        anyhow::anyhow!("no live token {id} (see `anchorlink tokens list`)")
                    }
                    other => service_error(other),
                })?;
            txn.commit().await?;
            println!("revoked token {id}");
            Ok(())
        }
        Command::Backup { file } => {
            let db = crate::connect(&settings.database_url).await?;
            let bytes = crate::backup::backup(&db, &file).await?;
            eprintln!("wrote {} ({bytes} bytes)", file.display());
            Ok(())
        }
        Command::Seed {
            suppliers,
            random_seed,
        } => {
            // Runs beside `anchorlink serve`: the server's index follows the change log.
            let state = crate::build_batch_state(&settings).await?;
            crate::seed::seed(&state, suppliers, random_seed).await
        }
        Command::Ocds {
            command: OcdsCommand::Import { path, as_email },
        } => {
            let state = crate::build_batch_state(&settings).await?;
            if crate::bulk_import::run(&state, &path, as_email.as_deref()).await? {
                Ok(())
            } else {
                Err(Refused.into())
            }
        }
    }
}
