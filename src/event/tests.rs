use super::*;

const GOOD: &str = r#"{"id":"00000000005db3de","seq":6140894,"type":"authentication.identity.login_id.failed","payload":{"login_id":"+447700900719"},"context":{"timestamp":1748822402,"user_id":"","triggered_by":"user","audit_context":{"http_url":"https://x.example/login"},"preferred_languages":["en-US","en"],"language":"en","ip_address":"166.132.253.106","geo_location_code":"BR","user_agent":"UA/1.0","app_id":"umbrella-health","client_id":"cd613e30d8f16adf","tracking_id":"d12982e46e80fa489b0bca16f72f2bb8-3586fca7fa0b8518","future_field":{"x":1}},"new_top":[1,2]}"#;

#[test]
fn parses_the_envelope_and_keeps_unknown_fields() {
    let e = AuditEvent::from_slice(GOOD.as_bytes()).unwrap();
    assert_eq!(e.id(), "00000000005db3de");
    assert_eq!(e.seq(), Some(6140894));
    assert_eq!(e.event_type(), "authentication.identity.login_id.failed");
    assert_eq!(e.time_unix_nano(), 1_748_822_402_000_000_000);
    assert_eq!(e.subject_user_id(), None, "empty user_id is no user");
    assert_eq!(e.context_str("client_id"), Some("cd613e30d8f16adf"));
    assert_eq!(e.context_value()["future_field"]["x"], 1);
    assert_eq!(e.extra_value()["new_top"], serde_json::json!([1, 2]));
    let (t, s) = e.trace_context().unwrap();
    assert_eq!(hex::encode(t), "d12982e46e80fa489b0bca16f72f2bb8");
    assert_eq!(hex::encode(s), "3586fca7fa0b8518");
}

#[test]
fn accepts_iso_timestamps_and_activity_form() {
    let e = AuditEvent::from_slice(
        br#"{"id":"a","type":"USER_AUTHENTICATED","context":{"timestamp":"2025-06-02T00:00:01.5Z"}}"#,
    )
    .unwrap();
    assert_eq!(e.time_unix_nano(), 1_748_822_401_500_000_000);
    assert_eq!(e.event_type(), "USER_AUTHENTICATED");
    assert_eq!(e.payload_value(), Value::Null);
}

#[test]
fn unwraps_admin_api_nodes() {
    let node = format!(
        r#"{{"activityType":"AUTHENTICATION_IDENTITY_LOGIN_ID_FAILED","createdAt":"2025-06-02T00:00:02Z","data":{GOOD}}}"#
    );
    let e = AuditEvent::from_slice(node.as_bytes()).unwrap();
    assert_eq!(e.id(), "00000000005db3de");
}

#[test]
fn subject_actor_and_session() {
    let e = AuditEvent::from_slice(
        br#"{"id":"a","type":"admin_api.mutation.revoke_session.executed","payload":{"user":{"id":"u1"},"session":{"id":"s1"}},"context":{"timestamp":1,"user_id":null,"triggered_by":"admin_api","audit_context":{"actor_user_id":"admin-9","usage":"proxy"}}}"#,
    )
    .unwrap();
    assert_eq!(e.subject_user_id(), Some("u1"));
    assert_eq!(e.actor_user_id(), Some("admin-9"));
    assert_eq!(e.session_id(), Some("s1"));
    assert_eq!(e.triggered_by(), Some("admin_api"));
}

fn err(input: &[u8]) -> ParseError {
    AuditEvent::from_slice(input).unwrap_err()
}

#[test]
fn rejects_bad_input_with_field_level_errors_that_never_quote_values() {
    let secret = "alice.secret@example.com";
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"".to_vec(), "empty"),
        (b"   ".to_vec(), "empty"),
        (b"HTTP/1.1 200 OK".to_vec(), "invalid_json"),
        (
            format!(r#"{{"id":"a","type":"x","context":{{"timestamp":1,"u":"{secret}"#)
                .into_bytes(),
            "invalid_json",
        ),
        (format!(r#"["{secret}"]"#).into_bytes(), "not_an_object"),
        (b"12345".to_vec(), "not_an_object"),
        (
            format!(
                r#"{{"id":"a","seq":1,"payload":{{"e":"{secret}"}},"context":{{"timestamp":1}}}}"#
            )
            .into_bytes(),
            "missing_field",
        ),
        (
            format!(r#"{{"id":"a","type":"x","context":"user_id={secret}"}}"#).into_bytes(),
            "wrong_type",
        ),
        (
            format!(r#"{{"id":"a","seq":"{secret}","type":"x","context":{{"timestamp":1}}}}"#)
                .into_bytes(),
            "wrong_type",
        ),
        (
            format!(r#"{{"id":"a","type":"x","context":{{"timestamp":"{secret}"}}}}"#).into_bytes(),
            "invalid_value",
        ),
        (
            format!(
                r#"{{"id":"a","type":"x","context":{{"timestamp":1,"ip_address":["{secret}"]}}}}"#
            )
            .into_bytes(),
            "wrong_type",
        ),
        (
            format!(r#"{{"id":"a","type":"x","type":"{secret}","context":{{"timestamp":1}}}}"#)
                .into_bytes(),
            "invalid_json",
        ),
        (
            format!(r#"{{"id":"a","type":"x","context":{{"timestamp":1}},"p":"\uZZZZ{secret}"}}"#)
                .into_bytes(),
            "invalid_json",
        ),
        (
            format!(r#"{{"id":"a","type":"{secret}","context":{{"timestamp":1}}}}"#).into_bytes(),
            "invalid_value",
        ),
        (
            format!(r#"{{"id":"a","type":"x","context":{{"timestamp":1}}}} trailing {secret}"#)
                .into_bytes(),
            "invalid_json",
        ),
    ];
    for (input, kind) in cases {
        let e = err(&input);
        assert_eq!(
            e.kind(),
            kind,
            "{e} for {:?}",
            String::from_utf8_lossy(&input)
        );
        let msg = e.to_string();
        assert!(!msg.contains("alice"), "error quotes the input: {msg}");
    }
}

#[test]
fn rejects_invalid_utf8_and_deep_nesting_without_crashing() {
    let mut bad = br#"{"id":"a","type":"x","context":{"timestamp":1,"user_agent":"ab"#.to_vec();
    bad.extend_from_slice(&[0xff, 0xfe]);
    bad.extend_from_slice(br#""}}"#);
    assert_eq!(err(&bad).kind(), "invalid_json");

    let depth = 10_000;
    let mut deep = String::from(r#"{"id":"a","type":"x","context":{"timestamp":1},"payload":"#);
    for _ in 0..depth {
        deep.push_str(r#"{"a":"#);
    }
    deep.push('1');
    for _ in 0..depth {
        deep.push('}');
    }
    deep.push('}');
    let e = err(deep.as_bytes());
    assert_eq!(e.kind(), "invalid_json");
    assert!(e.to_string().contains("recursion limit"), "{e}");
}

#[test]
fn rejects_oversized_events_before_reading_them() {
    let big = vec![b' '; 2048];
    let e = AuditEvent::from_slice_with(
        &big,
        ParseOptions {
            max_event_bytes: 1024,
        },
    )
    .unwrap_err();
    assert_eq!(
        e,
        ParseError::TooLarge {
            len: 2048,
            max: 1024
        }
    );
}

#[test]
fn tracking_ids_must_be_well_formed() {
    assert!(parse_tracking_id("00000000000000000000000000000000-0000000000000000").is_none());
    assert!(parse_tracking_id("abc-def").is_none());
    assert!(parse_tracking_id("d12982e46e80fa489b0bca16f72f2bb8").is_none());
    assert!(parse_tracking_id("d12982e46e80fa489b0bca16f72f2bb8-3586fca7fa0b8518").is_some());
}
