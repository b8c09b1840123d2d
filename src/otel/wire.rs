//! Reading OTLP protobuf where it lies: the fields of a message as slices of its bytes, without
//! decoding it into prost types (which copies every string).
//!
//! The disk buffer's entries, the requests the OTLP source receives and the records in them are
//! walked with [`Fields`]; only what must change is decoded.

/// A field's value, as the wire has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireValue<'a> {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 1.
    Fixed64(u64),
    /// Wire type 2: a string, bytes or a nested message.
    Bytes(&'a [u8]),
    /// Wire type 5.
    Fixed32(u32),
}

/// The bytes are not a valid protobuf message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid protobuf message")]
pub struct WireError;

/// The fields of one message, in order.
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Fields<'a> {
    /// The fields of the message `b`.
    pub fn new(b: &'a [u8]) -> Fields<'a> {
        Fields { b, i: 0 }
    }

    /// Where the next field starts.
    pub fn offset(&self) -> usize {
        self.i
    }

    fn varint(&mut self) -> Result<u64, WireError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.b.get(self.i).ok_or(WireError)?;
            self.i += 1;
            v |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Ok(v);
            }
        }
        Err(WireError)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let end = self.i.checked_add(n).ok_or(WireError)?;
        let s = self.b.get(self.i..end).ok_or(WireError)?;
        self.i = end;
        Ok(s)
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u32, WireValue<'a>), WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.i >= self.b.len() {
            return None;
        }
        let field = (|| {
            let key = self.varint()?;
            let number = u32::try_from(key >> 3).map_err(|_| WireError)?;
            if number == 0 {
                return Err(WireError);
            }
            let value = match key & 7 {
                0 => WireValue::Varint(self.varint()?),
                1 => WireValue::Fixed64(u64::from_le_bytes(
                    self.take(8)?.try_into().map_err(|_| WireError)?,
                )),
                2 => {
                    let len = usize::try_from(self.varint()?).map_err(|_| WireError)?;
                    WireValue::Bytes(self.take(len)?)
                }
                5 => WireValue::Fixed32(u32::from_le_bytes(
                    self.take(4)?.try_into().map_err(|_| WireError)?,
                )),
                _ => return Err(WireError),
            };
            Ok((number, value))
        })();
        if field.is_err() {
            // Stop after an error.
            self.i = self.b.len();
        }
        Some(field)
    }
}

/// The length-delimited fields `number` of message `b`, in order.
pub fn messages(b: &[u8], number: u32) -> impl Iterator<Item = Result<&[u8], WireError>> + '_ {
    Fields::new(b).filter_map(move |f| match f {
        Ok((n, WireValue::Bytes(m))) if n == number => Some(Ok(m)),
        Ok((n, _)) if n == number => Some(Err(WireError)),
        Ok(_) => None,
        Err(e) => Some(Err(e)),
    })
}

/// One `ScopeLogs` of a `ResourceLogs`, as slices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeLogsView<'a> {
    /// The encoded `InstrumentationScope`, when present.
    pub scope: Option<&'a [u8]>,
    /// The encoded `LogRecord`s.
    pub records: Vec<&'a [u8]>,
}

/// A `ResourceLogs` message, as slices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceLogsView<'a> {
    /// The encoded `Resource`, when present.
    pub resource: Option<&'a [u8]>,
    /// Its `ScopeLogs`.
    pub scopes: Vec<ScopeLogsView<'a>>,
}

impl ResourceLogsView<'_> {
    /// How many records.
    pub fn record_count(&self) -> usize {
        self.scopes.iter().map(|s| s.records.len()).sum()
    }
}

/// Reads an `ExportLogsServiceRequest` down to its records.
pub fn request(b: &[u8]) -> Result<Vec<ResourceLogsView<'_>>, WireError> {
    messages(b, 1).map(|rl| resource_logs(rl?)).collect()
}

/// Reads a `ResourceLogs` message (`schema_url`s are skipped).
pub fn resource_logs(b: &[u8]) -> Result<ResourceLogsView<'_>, WireError> {
    let mut view = ResourceLogsView::default();
    for f in Fields::new(b) {
        match f? {
            (1, WireValue::Bytes(r)) => view.resource = Some(r),
            (2, WireValue::Bytes(sl)) => {
                let mut scope = ScopeLogsView::default();
                for g in Fields::new(sl) {
                    match g? {
                        (1, WireValue::Bytes(s)) => scope.scope = Some(s),
                        (2, WireValue::Bytes(r)) => scope.records.push(r),
                        (1 | 2, _) => return Err(WireError),
                        _ => {}
                    }
                }
                view.scopes.push(scope);
            }
            (1 | 2, _) => return Err(WireError),
            _ => {}
        }
    }
    Ok(view)
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
    use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
    use opentelemetry_proto::tonic::resource::v1::Resource;
    use prost::Message;

    #[test]
    fn reads_resource_logs_as_prost_writes_them() {
        let rl = ResourceLogs {
            resource: Some(Resource {
                dropped_attributes_count: 3,
                ..Default::default()
            }),
            scope_logs: vec![
                ScopeLogs {
                    scope: Some(InstrumentationScope {
                        name: "s".into(),
                        ..Default::default()
                    }),
                    log_records: vec![
                        LogRecord {
                            severity_text: "INFO".into(),
                            ..Default::default()
                        },
                        LogRecord::default(),
                    ],
                    schema_url: "u".into(),
                },
                ScopeLogs::default(),
            ],
            schema_url: "x".into(),
        };
        let bytes = rl.encode_to_vec();
        let view = resource_logs(&bytes).unwrap();
        assert_eq!(
            Resource::decode(view.resource.unwrap()).unwrap(),
            rl.resource.clone().unwrap()
        );
        assert_eq!(view.scopes.len(), 2);
        assert_eq!(view.record_count(), 2);
        assert_eq!(
            LogRecord::decode(view.scopes[0].records[0]).unwrap(),
            rl.scope_logs[0].log_records[0]
        );
        assert!(view.scopes[1].scope.is_none());
    }

    #[test]
    fn truncated_and_garbage_input_is_an_error_not_a_panic() {
        let rl = ResourceLogs {
            scope_logs: vec![ScopeLogs {
                log_records: vec![LogRecord {
                    event_name: "x".repeat(300),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        let bytes = rl.encode_to_vec();
        for cut in 1..bytes.len() {
            let _ = resource_logs(&bytes[..cut]);
        }
        assert!(resource_logs(&bytes[..bytes.len() - 1]).is_err());
        assert!(resource_logs(&[0xff; 12]).is_err());
        assert!(resource_logs(&[0x00]).is_err());
    }
}
