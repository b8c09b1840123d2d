//! The source's position in the audit log, and the file that keeps it across restarts.
//!
//! The Admin API orders `auditLogs` by `createdAt` only (second resolution, no tie-breaker), so
//! a position is a time plus the ids of the nodes already delivered *at* that time: the next
//! poll asks from that time on (`rangeFrom` is inclusive) and skips those ids. The file is JSON,
//! written atomically (a temporary file, fsync, rename), and only with positions whose events
//! are safe at every sink.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// Version of the file format.
const FORMAT_VERSION: u32 = 1;

/// Where the source is in the log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    /// The latest `createdAt` delivered (`None`: nothing yet).
    pub created_at: Option<DateTime<Utc>>,
    /// The node ids delivered with exactly that `createdAt`.
    pub ids_at_created_at: BTreeSet<String>,
}

impl Position {
    /// A position at a start time, with nothing delivered at it yet.
    pub fn starting_at(t: Option<DateTime<Utc>>) -> Position {
        Position {
            created_at: t,
            ids_at_created_at: BTreeSet::new(),
        }
    }

    /// Whether a node was delivered already, as far as this position tells: it is at the
    /// position's time and its id is listed.
    pub fn delivered(&self, created_at: DateTime<Utc>, id: &str) -> bool {
        self.created_at == Some(created_at) && self.ids_at_created_at.contains(id)
    }

    /// Moves the position past a node that was handled (delivered, dropped as a duplicate or
    /// dead-lettered). Nodes older than the position leave it as it is.
    pub fn advance(&mut self, created_at: DateTime<Utc>, id: &str) {
        match self.created_at {
            Some(t) if created_at < t => {}
            Some(t) if created_at == t => {
                self.ids_at_created_at.insert(id.to_owned());
            }
            _ => {
                self.created_at = Some(created_at);
                self.ids_at_created_at.clear();
                self.ids_at_created_at.insert(id.to_owned());
            }
        }
    }

    /// `rangeFrom` for a poll from this position (RFC 3339, UTC).
    pub fn range_from(&self) -> Option<String> {
        self.created_at.map(format_time)
    }
}

/// RFC 3339 in UTC, with as many fractional digits as needed.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Parses an RFC 3339 time.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The file as written.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    version: u32,
    project_id: String,
    created_at: Option<String>,
    #[serde(default)]
    ids_at_created_at: Vec<String>,
    #[serde(default)]
    updated_at: Option<String>,
}

/// The checkpoint file of one source.
#[derive(Debug, Clone)]
pub struct CheckpointFile {
    path: PathBuf,
    project_id: String,
}

impl CheckpointFile {
    /// The file at `path`, for `project_id`.
    pub fn new(path: &Path, project_id: &str) -> CheckpointFile {
        CheckpointFile {
            path: path.to_owned(),
            project_id: project_id.to_owned(),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the position kept, `None` when there is no file yet. A file that cannot be read
    /// or understood is an error (the message names the file and the fix): starting over could
    /// re-send the whole log, and guessing could skip part of it.
    pub fn load(&self) -> Result<Option<Position>, String> {
        let text = match std::fs::read(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(format!(
                    "cannot read the checkpoint {}: {}; check the path and that the processor's user may read it",
                    self.path.display(),
                    e.kind()
                ))
            }
        };
        let corrupt = |what: &str| {
            format!(
                "the checkpoint {} is not a valid audit_log_api checkpoint ({what}); restore it, or delete it to start again from `start_time`",
                self.path.display()
            )
        };
        let file: FileFormat =
            serde_json::from_slice(&text).map_err(|e| corrupt(&json_error_kind(&e)))?;
        if file.version != FORMAT_VERSION {
            return Err(corrupt(&format!("format version {}", file.version)));
        }
        if file.project_id != self.project_id {
            return Err(format!(
                "the checkpoint {} belongs to project {}, not {}; give each project its own `checkpoint` path",
                self.path.display(),
                file.project_id,
                self.project_id
            ));
        }
        let created_at = match &file.created_at {
            None => None,
            Some(s) => Some(parse_time(s).ok_or_else(|| corrupt("`created_at` is not RFC 3339"))?),
        };
        if created_at.is_none() && !file.ids_at_created_at.is_empty() {
            return Err(corrupt("ids without `created_at`"));
        }
        Ok(Some(Position {
            created_at,
            ids_at_created_at: file.ids_at_created_at.into_iter().collect(),
        }))
    }

    /// Makes sure the file's folder exists.
    pub fn prepare(&self) -> Result<(), String> {
        match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    format!(
                        "cannot create the checkpoint folder {}: {}; check `checkpoint` and the folder's permissions",
                        dir.display(),
                        e.kind()
                    )
                })
            }
            _ => Ok(()),
        }
    }

    /// Writes a position atomically: a temporary file next to it, fsync, rename, fsync of the
    /// folder.
    pub fn save(&self, pos: &Position) -> std::io::Result<()> {
        let file = FileFormat {
            version: FORMAT_VERSION,
            project_id: self.project_id.clone(),
            created_at: pos.range_from(),
            ids_at_created_at: pos.ids_at_created_at.iter().cloned().collect(),
            updated_at: Some(format_time(Utc::now())),
        };
        let mut bytes = serde_json::to_vec_pretty(&file).map_err(std::io::Error::other)?;
        bytes.push(b'\n');
        let mut tmp = self.path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &self.path)?;
        #[cfg(unix)]
        if let Some(dir) = self.path.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

/// A short description of a JSON error, without the file's content.
fn json_error_kind(e: &serde_json::Error) -> String {
    let kind = match e.classify() {
        serde_json::error::Category::Io => "unreadable",
        serde_json::error::Category::Syntax => "not JSON",
        serde_json::error::Category::Data => "unexpected fields or types",
        serde_json::error::Category::Eof => "truncated",
    };
    format!("{kind} at line {} column {}", e.line(), e.column())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        parse_time(s).unwrap()
    }

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "audit-otel-ckpt-{}-{name}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        dir.join("sub").join("checkpoint.json")
    }

    #[test]
    fn advances_by_time_and_collects_ids_at_the_latest_time() {
        let mut p = Position::default();
        p.advance(t("2025-06-02T00:00:01Z"), "a");
        p.advance(t("2025-06-02T00:00:01Z"), "b");
        assert!(p.delivered(t("2025-06-02T00:00:01Z"), "a"));
        assert!(!p.delivered(t("2025-06-02T00:00:01Z"), "c"));
        p.advance(t("2025-06-02T00:00:00Z"), "old");
        assert_eq!(p.ids_at_created_at.len(), 2, "older nodes leave it alone");
        p.advance(t("2025-06-02T00:00:02Z"), "c");
        assert_eq!(
            p.ids_at_created_at.iter().collect::<Vec<_>>(),
            vec!["c"],
            "a later time starts a new set"
        );
        assert_eq!(p.range_from().as_deref(), Some("2025-06-02T00:00:02Z"));
    }

    #[test]
    fn saves_atomically_and_loads_back() {
        let path = temp("roundtrip");
        let f = CheckpointFile::new(&path, "proj");
        f.prepare().unwrap();
        assert_eq!(f.load().unwrap(), None);
        let mut p = Position::default();
        p.advance(t("2025-06-02T00:00:01.5+02:00"), "x");
        p.advance(t("2025-06-02T00:00:01.5+02:00"), "y");
        f.save(&p).unwrap();
        assert_eq!(f.load().unwrap(), Some(p.clone()));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"ids_at_created_at\""), "{text}");
        assert!(text.contains("2025-06-01T22:00:01.500Z"), "{text}");
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        assert!(
            !PathBuf::from(tmp).exists(),
            "the temporary file is renamed"
        );
        let _ = std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap());
    }

    #[test]
    fn refuses_corrupt_files_and_other_projects() {
        let path = temp("corrupt");
        let f = CheckpointFile::new(&path, "proj");
        f.prepare().unwrap();
        std::fs::write(&path, "{not json").unwrap();
        let e = f.load().unwrap_err();
        assert!(e.contains("delete it") && e.contains("not JSON"), "{e}");
        f.save(&Position::default()).unwrap();
        let other = CheckpointFile::new(&path, "other");
        let e = other.load().unwrap_err();
        assert!(e.contains("belongs to project proj"), "{e}");
        let _ = std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap());
    }
}
