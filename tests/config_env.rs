//! Pipeline files through the `config` crate: YAML details and `AUDIT_OTEL__...` environment
//! overrides. Its own test binary, because environment variables are process-wide.

use audit_otel::pipeline::config::{PipelineConfig, SinkConfig};
use audit_otel::pipeline::Pipeline;
use audit_otel::redact::ActionName;

const YAML: &str = r#"
name: env-test
sources:
  - type: stdin
sinks:
  - type: stdout
    batch_size: 5
resource:
  service.name: checkout
  deployment.environment.name: prod
limits:
  max_event_bytes: 4096
redaction:
  rules:
    - name: CamelCase-Rule
      key: '(?i)^LoyaltyNumber$'
      action: partial
      keep_last: 2
catalog:
  - type: acme.invoice.exported
    category: project
    severity: WARN
"#;

#[test]
fn yaml_keeps_dotted_keys_case_and_regexes() {
    let cfg = PipelineConfig::from_yaml(YAML, "inline").unwrap();
    assert_eq!(
        cfg.resource.get("service.name").map(String::as_str),
        Some("checkout")
    );
    assert_eq!(
        cfg.resource
            .get("deployment.environment.name")
            .map(String::as_str),
        Some("prod")
    );
    let rule = &cfg.redaction.rules[0];
    assert_eq!(rule.name, "CamelCase-Rule");
    assert_eq!(rule.key.as_deref(), Some("(?i)^LoyaltyNumber$"));
    assert_eq!(rule.action, ActionName::Partial);
    assert_eq!(cfg.sinks[0], SinkConfig::Stdout { batch_size: 5 });
    let p = Pipeline::build(cfg).unwrap();
    let entry = p.core().catalog().lookup("ACME_INVOICE_EXPORTED").unwrap();
    assert_eq!(entry.category.as_str(), "project");
}

#[test]
fn environment_overrides_apply_on_top_of_the_file() {
    std::env::set_var("AUDIT_OTEL__LIMITS__MAX_EVENT_BYTES", "2048");
    std::env::set_var("AUDIT_OTEL__REDACTION__DEFAULT_RULES", "false");
    let cfg = PipelineConfig::from_yaml(YAML, "inline").unwrap();
    std::env::remove_var("AUDIT_OTEL__LIMITS__MAX_EVENT_BYTES");
    std::env::remove_var("AUDIT_OTEL__REDACTION__DEFAULT_RULES");
    assert_eq!(cfg.limits.max_event_bytes, 2048);
    assert!(!cfg.redaction.default_rules);
    // Untouched values stay.
    assert_eq!(
        cfg.resource.get("service.name").map(String::as_str),
        Some("checkout")
    );
}

#[test]
fn errors_name_the_field() {
    let bad = YAML.replace("keep_last: 2", "keep_lst: 2");
    let e = PipelineConfig::from_yaml(&bad, "inline.yaml")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("inline.yaml: "), "{e}");
    assert!(e.contains("keep_lst"), "{e}");
    let bad = YAML.replace("action: partial", "action: obliterate");
    let e = PipelineConfig::from_yaml(&bad, "inline.yaml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("obliterate") && e.contains("use one of the listed values"),
        "{e}"
    );
    let bad = YAML.replace("type: stdin", "type: carrier_pigeon");
    let e = PipelineConfig::from_yaml(&bad, "inline.yaml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("carrier_pigeon"), "{e}");
}
