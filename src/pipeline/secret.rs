//! Secrets referenced by pipeline files: webhook secrets, API keys, auth headers. A pipeline
//! file names where a secret lives (an environment variable or a file, as Kubernetes Secrets
//! provide them), never the secret itself, so pipeline files can be committed and shown.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Where a secret is read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum SecretSource {
    /// `{ env: NAME }`: the value of an environment variable.
    Env {
        /// The variable's name.
        env: String,
    },
    /// `{ file: /path }`: a file's content; trailing white space (a final newline) is removed.
    File {
        /// The file.
        file: PathBuf,
    },
}

/// Why a secret could not be read. Never contains the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The environment variable is not set (or not UTF-8).
    #[error("environment variable {0} is not set; set it (e.g. from a Kubernetes Secret) or use {{ file: /path }}")]
    EnvMissing(String),
    /// The variable or file is empty.
    #[error("{0} is empty; put the secret there")]
    Empty(String),
    /// The file cannot be read.
    #[error(
        "cannot read {path}: {reason}; check the path and that the processor's user may read it"
    )]
    File {
        /// The file.
        path: String,
        /// The OS error.
        reason: String,
    },
}

impl SecretSource {
    /// Reads the secret's bytes.
    pub fn read(&self) -> Result<Vec<u8>, SecretError> {
        match self {
            SecretSource::Env { env } => {
                let v = std::env::var(env).map_err(|_| SecretError::EnvMissing(env.clone()))?;
                let v = v.trim_end();
                if v.is_empty() {
                    return Err(SecretError::Empty(format!("environment variable {env}")));
                }
                Ok(v.as_bytes().to_vec())
            }
            SecretSource::File { file } => {
                let mut v = std::fs::read(file).map_err(|e| SecretError::File {
                    path: file.display().to_string(),
                    reason: e.kind().to_string(),
                })?;
                while v.last().is_some_and(|b| b.is_ascii_whitespace()) {
                    v.pop();
                }
                if v.is_empty() {
                    return Err(SecretError::Empty(format!("file {}", file.display())));
                }
                Ok(v)
            }
        }
    }

    /// Reads the secret as text.
    pub fn read_string(&self) -> Result<String, SecretError> {
        let bytes = self.read()?;
        String::from_utf8(bytes).map_err(|_| SecretError::File {
            path: self.describe(),
            reason: "not UTF-8 text".into(),
        })
    }

    /// Where it lives, for messages (`env AUDIT_WEBHOOK_SECRET`, `file /run/secrets/x`).
    pub fn describe(&self) -> String {
        match self {
            SecretSource::Env { env } => format!("env {env}"),
            SecretSource::File { file } => format!("file {}", file.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_env_and_file_and_trims_the_final_newline() {
        std::env::set_var("AUDIT_OTEL_TEST_SECRET_A", "s3cret\n");
        let s = SecretSource::Env {
            env: "AUDIT_OTEL_TEST_SECRET_A".into(),
        };
        assert_eq!(s.read().unwrap(), b"s3cret");
        let dir = std::env::temp_dir().join(format!("audit-otel-secret-{}", std::process::id()));
        std::fs::write(&dir, "from-file\n").unwrap();
        let f = SecretSource::File { file: dir.clone() };
        assert_eq!(f.read_string().unwrap(), "from-file");
        std::fs::remove_file(dir).unwrap();
    }

    #[test]
    fn errors_name_the_place_and_never_the_value() {
        let e = SecretSource::Env {
            env: "AUDIT_OTEL_TEST_SECRET_UNSET".into(),
        }
        .read()
        .unwrap_err();
        assert!(e.to_string().contains("AUDIT_OTEL_TEST_SECRET_UNSET"));
        let e = SecretSource::File {
            file: "/nonexistent/secret".into(),
        }
        .read()
        .unwrap_err();
        assert!(e.to_string().contains("/nonexistent/secret"), "{e}");
    }

    #[test]
    fn parses_both_yaml_shapes() {
        let e: SecretSource = serde_json::from_str(r#"{"env":"X"}"#).unwrap();
        assert_eq!(e, SecretSource::Env { env: "X".into() });
        let f: SecretSource = serde_json::from_str(r#"{"file":"/x"}"#).unwrap();
        assert_eq!(f, SecretSource::File { file: "/x".into() });
        assert!(serde_json::from_str::<SecretSource>(r#""literal""#).is_err());
    }
}
