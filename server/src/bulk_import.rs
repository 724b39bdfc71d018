//! `anchorlink ocds import FILE|DIR|-`: other portals' OCDS files in bulk (issue 12). A
//! file, every `.json` file under a folder (walked in name order), or standard input;
//! one transaction per file; a progress bar on a terminal; a summary per file and in
//! total; a failing exit code when any file was refused. The imports ask for alerts
//! like any import: a running server's job worker sends them.

use backend::services::accounts::sessions;
use backend::services::ocds::bulk::{self, FileReport};
use backend::AppState;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The files to import: `-` is standard input; a folder gives its `.json` files, walked
/// depth first in name order.
///
/// # Errors
/// The path cannot be read.
pub fn sources(path: &str) -> anyhow::Result<Vec<PathBuf>> {
    if path == "-" {
        return Ok(vec![PathBuf::from("-")]);
    }
    let root = PathBuf::from(path);
    if !root.is_dir() {
        anyhow::ensure!(root.is_file(), "{path}: no such file or folder");
        return Ok(vec![root]);
    }
    let mut out = Vec::new();
    walk(&root, &mut out)?;
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if p
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("json"))
        {
            out.push(p);
        }
    }
    Ok(())
}

fn read(source: &Path) -> anyhow::Result<String> {
    if source == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        Ok(text)
    } else {
        Ok(std::fs::read_to_string(source)?)
    }
}

/// Imports every source as the user `as_email` (an active buyer, or an admin with an
/// organisation), or without one as the platform ([`bulk::platform_importer`]); prints a
/// line per file and the totals; returns whether nothing was refused.
///
/// # Errors
/// The user is unknown (or, without one, there is no admin) or the path cannot be walked
/// (nothing is imported then).
pub async fn run(state: &AppState, path: &str, as_email: Option<&str>) -> anyhow::Result<bool> {
    let actor = match as_email {
        Some(email) => {
            sessions::active_user_by_email(&state.db, email)
                .await
                .map_err(|e| anyhow::anyhow!("looking up {email}: {e}"))?
                .ok_or_else(|| {
                    anyhow::anyhow!("no active user {email} (add one with `anchorlink users add`)")
                })?
                .actor
        }
        None => {
            let w = state.write().await?;
            let actor = bulk::platform_importer(&w).await.map_err(|e| match e {
                backend::ServiceError::Validation(f) => anyhow::anyhow!(
                    "{}",
                    f.iter()
                        .map(|(_, m)| m.to_owned())
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                other => anyhow::anyhow!("{other:#}"),
            })?;
            w.commit().await?;
            actor
        }
    };
    let files = sources(path)?;
    let bar = ProgressBar::new(files.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} files {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut total = FileReport::default();
    let mut refused_files = 0usize;
    for file in &files {
        let name = file.display().to_string();
        bar.set_message(name.clone());
        let report = match read(file) {
            Ok(text) => bulk::import_file(state, &actor, &text).await,
            Err(e) => FileReport {
                refused: Some(format!("cannot read it: {e}")),
                ..FileReport::default()
            },
        };
        let line = match &report.refused {
            Some(why) => {
                refused_files += 1;
                format!("{name}: refused: {why}")
            }
            None => format!(
                "{name}: {} imported, {} updated, {} unchanged",
                report.imported, report.updated, report.unchanged
            ),
        };
        // On standard output whether or not the bar is drawn (it is not on a pipe).
        bar.suspend(|| println!("{line}"));
        total.imported += report.imported;
        total.updated += report.updated;
        total.unchanged += report.unchanged;
        bar.inc(1);
    }
    bar.finish_and_clear();
    println!(
        "{} files: {} imported, {} updated, {} unchanged, {} files refused",
        files.len(),
        total.imported,
        total.updated,
        total.unchanged,
        refused_files
    );
    Ok(refused_files == 0)
}
