//! The command line: `serve`, `migrate`, `users add`, `tokens issue`, `seed`.

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
    /// Fill the database with realistic synthetic suppliers.
    Seed {
        /// How many suppliers to create.
        #[arg(long)]
        suppliers: u64,
        /// Seed for the random generator (same seed, same suppliers).
        #[arg(long, default_value_t = 1)]
        random_seed: u64,
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
    },
}

/// Runs the command line and returns the process's exit code.
pub fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm_migration=warn,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
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
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

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
            command: TokensCommand::Issue { email, label },
        } => {
            let db = crate::connect(&settings.database_url).await?;
            let txn = db.begin().await?;
            let token = sessions::issue_api_token(&txn, &email, &label)
                .await
                .map_err(service_error)?;
            txn.commit().await?;
            println!("{token}");
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
    }
}
