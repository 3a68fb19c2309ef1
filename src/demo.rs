//! `warroom demo`: the bundled CRM launch plan, its four services simulated on 127.0.0.1, and
//! the room opened on both — so anyone can try warroom in ten seconds.

pub mod phase_watch;
pub mod scenario;
pub mod services;

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::Utc;
use color_eyre::eyre::{Result, WrapErr};

use crate::app::App;
use crate::cli::UserError;
use crate::session::{OpenOptions, Session};

/// The bundled runbook (assets/demo/crm-launch.md).
pub const RUNBOOK: &str = include_str!("../assets/demo/crm-launch.md");
/// The bundled wiring (assets/demo/wiring.toml) with `{service}` port placeholders.
pub const WIRING: &str = include_str!("../assets/demo/wiring.toml");

/// Runs the demo until the user quits. The journal goes to a fresh temporary directory unless
/// `journal` is given: a file path, or a PostgreSQL room's URL (whose schema `warroom journal
/// init` created), in which case the plan is stored in the room as one TOML file. `wall` shows
/// the large-digit band at any terminal size.
pub fn run(scenario: &str, journal: Option<PathBuf>, wall: bool) -> Result<ExitCode> {
    let scenario = services::Scenario::parse(scenario).ok_or_else(|| {
        UserError(format!(
            "unknown scenario '{scenario}'; available:\n{}",
            services::Scenario::help_text()
        ))
    })?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    let dir = tempfile::Builder::new().prefix("warroom-demo-").tempdir()?;
    rt.block_on(async {
        let clock = services::Clock::new();
        let ports = services::start_all(scenario, std::sync::Arc::clone(&clock)).await?;
        let mut wiring = WIRING.to_string();
        for (name, port) in &ports {
            wiring = wiring.replace(&format!("{{{name}}}"), &port.to_string());
        }
        std::fs::write(dir.path().join("crm-launch.md"), RUNBOOK)?;
        let plan = dir.path().join("crm-launch.toml");
        std::fs::write(&plan, wiring)?;
        if journal.as_deref().is_some_and(crate::journal::is_database) {
            // The runbook and its wiring are written as one TOML plan (the room would keep the
            // two files as one version too), so a viewer on another host needs only the
            // room's URL.
            one_file(&plan)?;
        }
        let kept = journal.is_some();
        let opts = OpenOptions {
            journal: Some(journal.unwrap_or_else(|| dir.path().join("crm-launch.journal.jsonl"))),
            start: Some(Utc::now()),
            role: None,
            follow_if_read_only: true,
            ..OpenOptions::default()
        };
        // A throwaway journal needs no checkpoint left behind in the user's state directory.
        let session = if kept {
            Session::open(&plan, &opts, Utc::now())?
        } else {
            Session::open_with(&plan, &opts, None, Utc::now())?
        };
        // The services follow the room: `bad-deploy` goes bad once phase 2 starts.
        let later: Vec<String> = session
            .state
            .forward_phases()
            .skip(1)
            .map(|(_, p)| p.id.clone())
            .collect();
        let journal_path = session.journal_path.clone();
        tokio::spawn(async move {
            if let Err(e) = phase_watch::watch_phase2(journal_path, later, clock).await {
                tracing::warn!("the demo services cannot follow the journal: {e}");
            }
        });
        crate::logging::init(&session.journal_path);
        // As in `warroom open`: the screen keeps drawing while someone holds the lock.
        session
            .journal
            .set_lock_wait(std::time::Duration::from_millis(250));
        let mut app = App::new(session);
        app.view.wall = wall;
        crate::event_loop::run(app).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Replaces the wiring file at `plan` (and the runbook it names) by one TOML plan of the same
/// model.
///
/// Errors: the bundled plan does not load or does not write as TOML (a bug).
fn one_file(plan: &std::path::Path) -> Result<()> {
    let loaded = crate::plan::load(plan).wrap_err("the demo's plan does not load")?;
    let text = crate::plan::toml::to_toml(&loaded.loaded.plan)
        .wrap_err("the demo's plan does not write as one TOML file")?;
    std::fs::write(plan, text)?;
    Ok(())
}
