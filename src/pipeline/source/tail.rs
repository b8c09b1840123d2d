//! Placeholder: being written (see the issue tracker). Returns an error until then.

use crate::pipeline::config::TailSourceConfig;
use crate::pipeline::ingest::SourceContext;

use super::SourceError;

/// Runs the source until shutdown.
pub async fn run(_cfg: TailSourceConfig, ctx: SourceContext) -> Result<(), SourceError> {
    Err(SourceError {
        source_name: ctx.name().to_owned(),
        message: "not built yet".into(),
    })
}
