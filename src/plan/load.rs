//! Reading a plan file from disk: picks the loader by extension, follows a TOML file's
//! `runbook`, and hashes the bytes so the journal can record which plan a room ran.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::{Diagnostic, Loaded, PlanError, markdown, toml, wiring};

/// A plan read from disk.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    /// The plan and its warnings.
    pub loaded: Loaded,
    /// SHA-256 (hex) of the plan file's bytes (and, for a wiring file, its runbook's).
    pub hash: String,
    /// The files read: the plan, and the runbook a wiring file names (for watching edits).
    pub files: Vec<std::path::PathBuf>,
}

/// Reads `path` (`.md`/`.markdown` or `.toml`).
///
/// Errors (each names the file and, where there is one, the line): the file cannot be read,
/// it is binary, it is empty, it does not parse.
pub fn load(path: &Path) -> Result<LoadedFile, PlanError> {
    let mut hasher = Sha256::new();
    let mut files = Vec::new();
    let loaded = load_into(path, &mut hasher, 0, &mut files)?;
    Ok(LoadedFile {
        loaded,
        hash: hex(&hasher.finalize()),
        files,
    })
}

fn load_into(
    path: &Path,
    hasher: &mut Sha256,
    depth: u8,
    files: &mut Vec<std::path::PathBuf>,
) -> Result<Loaded, PlanError> {
    files.push(path.to_path_buf());
    let bytes = std::fs::read(path).map_err(|e| {
        PlanError::at(
            path,
            0,
            format!("cannot read the plan: {e}; check the path (a .md or .toml file)"),
        )
    })?;
    hasher.update(&bytes);
    if bytes.contains(&0) {
        return Err(PlanError::at(
            path,
            0,
            "this is a binary file, not a plan: give a Markdown (.md) or TOML (.toml) plan",
        ));
    }
    // Plans saved with a broken encoding still load: bad bytes become U+FFFD, and a warning
    // says where, so the author can find the bytes the room shows as �.
    let src = String::from_utf8_lossy(&bytes);
    let bad_utf8 = invalid_utf8_warning(&bytes, path);
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext == "toml" {
        let parsed = toml::parse(&src, path)?;
        let Some(runbook) = parsed.runbook else {
            let mut plan = parsed.plan;
            let mut warnings: Vec<Diagnostic> = bad_utf8.into_iter().collect();
            warnings.extend(wiring::resolve(&mut plan, path)?);
            return Ok(Loaded { plan, warnings });
        };
        if depth > 0 {
            return Err(PlanError::at(
                path,
                0,
                "a runbook named by `runbook =` must be a Markdown plan, not another TOML file",
            ));
        }
        let inner = load_into(&runbook, hasher, depth + 1, files)?;
        let mut plan = toml::merge_wiring(inner.plan, parsed.plan);
        let mut warnings: Vec<Diagnostic> = bad_utf8.into_iter().collect();
        warnings.extend(inner.warnings);
        warnings.extend(wiring::resolve(&mut plan, path)?);
        Ok(Loaded { plan, warnings })
    } else {
        let mut loaded = markdown::parse(&src, path)?;
        if let Some(w) = bad_utf8 {
            loaded.warnings.insert(0, w);
        }
        Ok(loaded)
    }
}

/// A warning at the first line of `bytes` that is not valid UTF-8, counting the lines that
/// are not; None when the file is valid UTF-8.
fn invalid_utf8_warning(bytes: &[u8], path: &Path) -> Option<Diagnostic> {
    let mut bad = bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, line)| std::str::from_utf8(line).is_err())
        .map(|(i, _)| i + 1);
    let first = bad.next()?;
    let more = match bad.count() {
        0 => String::new(),
        1 => " (and 1 more line)".to_string(),
        n => format!(" (and {n} more lines)"),
    };
    Some(Diagnostic {
        file: path.to_path_buf(),
        line: first,
        message: format!(
            "not valid UTF-8{more}: the bad bytes are shown as �; save the plan as UTF-8"
        ),
    })
}

/// Lower-case hex of a digest (sha2 0.11 digests do not format with `{:x}`).
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
